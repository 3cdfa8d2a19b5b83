using Descent.Engine.Benchmarking;
using Descent.Engine.Data;
using Descent.Engine.Losses;
using Descent.Engine.Models;
using Descent.Engine.Optimizers;
using Descent.Engine.Training;
using Descent.Kernels;
using Descent.Kernels.Cpu;
using Descent.Kernels.Ilgpu;
using Descent.Kernels.Profiling;
using Descent.Kernels.Reference;
using Descent.Kernels.Vulkan;
using Descent.Tests.Vulkan;
using Xunit;

namespace Descent.Tests.Planning;

/// <summary>
/// A profiled training step runs the ops a plain one runs, each as often, counted here by a reference backend that
/// counts its own hooks (<see cref="CountingReference"/>, written apart from the emitted profile); its times are
/// non-negative and together no longer than the step.
/// </summary>
public sealed class ProfilingBackendTests
{
    /// <summary>Convolution with and without bias, batch norm, pooling, dropout, a residual sum, linear layers.</summary>
    private const string TinyNet =
        "1x8x8-conv3k3p1-relu-res(conv3k3p1nb-bn-relu-conv3k3p1nb-bn)-relu-maxpool2-dropout0.25-flatten-6-relu-dropout0.5-3";

    private const int Batch = 4;
    private const int Items = 3 * Batch;

    public static TheoryData<string> BackendNames => new() { Backends.CpuName, Backends.ReferenceName, Backends.VulkanName, Backends.IlgpuCpuName };

    [Fact]
    public void Every_op_of_the_interface_has_a_hook_to_time()
    {
        Assert.Equal(BackendOpAttribute.Ops, ProfiledOps.Hooks.Select(hook => hook.Op));
    }

    [Fact]
    public void The_independent_counter_counts_every_hook()
    {
        var counted = typeof(CountingReference).GetMethods(System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.NonPublic)
            .Where(method => method.DeclaringType == typeof(CountingReference) && method.Name.EndsWith("Core", StringComparison.Ordinal))
            .Select(method => method.Name);
        Assert.Equal(ProfiledOps.Hooks.Select(hook => hook.Method.Name).Order(), counted.Order());
    }

    [SkippableTheory]
    [MemberData(nameof(BackendNames))]
    public void A_profiled_step_runs_the_ops_of_a_real_step_and_its_times_fit_in_the_step(string name)
    {
        VulkanAvailability.SkipUnlessAvailable(name);
        var (spec, data) = Run();
        using var counter = new CountingReference();
        using (var run = new TrainingRun(counter, spec, data, data))
        {
            counter.Calls.Clear();
            OneStep(run.Learner);
        }
        var expected = counter.Calls.OrderBy(pair => pair.Key).ToArray();

        using var backend = name == Backends.VulkanName ? VulkanAvailability.CreateValidated() : Backends.Create(name);
        var profile = StepProfile.Run(backend, spec, data, steps: 1, rounds: 1, warmupSteps: 0);

        Assert.Equal(expected, profile.Ops.Select(op => KeyValuePair.Create(op.Op, op.Calls)).OrderBy(pair => pair.Key).ToArray());
        Assert.All(profile.Ops, op => Assert.True(op.Seconds >= 0, $"{op.Op}: {op.Seconds} s"));
        Assert.True(profile.Ops.Sum(op => op.Seconds) <= profile.ProfiledStepSeconds,
            $"ops take {profile.Ops.Sum(op => op.Seconds)} s of a {profile.ProfiledStepSeconds} s step");
        Assert.True(profile.PlainStepSeconds > 0);
        if (backend is VulkanBackend vulkan)
        {
            Assert.Equal("Vulkan timestamp queries", profile.Clock);
            Assert.Empty(vulkan.ValidationMessages);
        }
    }

    [Fact]
    public void The_work_of_a_contraction_is_two_flops_per_multiply_add()
    {
        var (spec, data) = Run();
        using var backend = new CpuBackend(threads: 2);
        var profile = StepProfile.Run(backend, spec, data, steps: 2, rounds: 1, warmupSteps: 0);

        // conv3k3p1 on 1x8x8 and twice on 3x8x8, batch 4: per step and pass, 2 x N x K x P x Q x C x R x S.
        var forward = profile.Ops.Single(op => op.Op == nameof(ComputeBackend.Conv2dForward));
        Assert.Equal(2 * 2.0 * Batch * 3 * 8 * 8 * (1 + 3 + 3) * 9, forward.Work.Flops);
        Assert.Equal(3 * 2, forward.Calls);
    }

    private static (TrainingSpec Spec, ImageDataset Data) Run()
    {
        var random = new Random(7);
        var pixels = new byte[Items * 64];
        random.NextBytes(pixels);
        var data = new ImageDataset(pixels, Enumerable.Range(0, Items).Select(item => item % 3).ToArray(), 8, 8, 3);
        var spec = new TrainingSpec("random", [1, 8, 8], ModelSpec.Parse(TinyNet, Activation.Relu, activationGiven: false),
            LossFunction.CrossEntropy.Name, new OptimizerSettings(OptimizerKind.Sgd, 0.9f, 0f),
            new ScheduleSettings(ScheduleKind.Constant, 0.05f, 1, 1f, 2), Batch, Seed: 1);
        return (spec, data);
    }

    private static void OneStep(Learner learner) => learner.TrainBatchByBatch(_ => 0.05f, (_, _) => false);

    /// <summary>The reference backend, counting each call of an op's hook made from outside (a composed op's inner hooks are its own).</summary>
    private sealed class CountingReference : ReferenceBackend
    {
        private int depth;

        public Dictionary<string, int> Calls { get; } = [];

        private void Counted(string op, Action run)
        {
            if (depth == 0)
            {
                Calls[op] = Calls.GetValueOrDefault(op) + 1;
            }
            depth++;
            run();
            depth--;
        }

    protected override void GatherBatchAugmentedCore(DeviceBuffer<byte> pixels, DeviceBuffer<int> labels, DeviceBuffer<int> order,
        int start, int count, int channels, int height, int width, DeviceBuffer<float> channelScaleShift, ImageAugmentation augmentation,
        AugmentationKey key, DeviceBuffer<float> inputs, DeviceBuffer<int> batchLabels) =>
        Counted("GatherBatchAugmented", () => base.GatherBatchAugmentedCore(pixels, labels, order, start, count, channels, height, width,
            channelScaleShift, augmentation, key, inputs, batchLabels));

    protected override void Conv2dForwardCore(DeviceBuffer<float> x, DeviceBuffer<float> weight, DeviceBuffer<float>? bias,
        DeviceBuffer<float> y, Conv2dShape shape, Activation? activation) =>
        Counted("Conv2dForward", () => base.Conv2dForwardCore(x, weight, bias, y, shape, activation));

    protected override void Conv2dBackwardInputCore(DeviceBuffer<float> dY, DeviceBuffer<float> weight, DeviceBuffer<float> dX,
        Conv2dShape shape) =>
        Counted("Conv2dBackwardInput", () => base.Conv2dBackwardInputCore(dY, weight, dX, shape));

    protected override void Conv2dBackwardWeightCore(DeviceBuffer<float> dY, DeviceBuffer<float> x, DeviceBuffer<float> dWeight,
        DeviceBuffer<float>? dBias, Conv2dShape shape) =>
        Counted("Conv2dBackwardWeight", () => base.Conv2dBackwardWeightCore(dY, x, dWeight, dBias, shape));

    protected override void DropoutForwardCore(DeviceBuffer<float> x, DeviceBuffer<float> y, int count, DropoutStep step) =>
        Counted("DropoutForward", () => base.DropoutForwardCore(x, y, count, step));

    protected override void DropoutBackwardCore(DeviceBuffer<float> dY, DeviceBuffer<float> dX, int count, DropoutStep step) =>
        Counted("DropoutBackward", () => base.DropoutBackwardCore(dY, dX, count, step));

    protected override void SoftmaxCrossEntropyCore(DeviceBuffer<float> logits, DeviceBuffer<int> labels, DeviceBuffer<float> dLogits,
        DeviceBuffer<float> rowStats, DeviceBuffer<float> metrics, int slot, int rows, int cols, float labelSmoothing) =>
        Counted("SoftmaxCrossEntropy", () => base.SoftmaxCrossEntropyCore(logits, labels, dLogits, rowStats, metrics, slot, rows, cols,
            labelSmoothing));

    protected override void BinaryLossForwardBackwardCore(BinaryLoss loss, DeviceBuffer<float> logits, DeviceBuffer<int> targets,
        DeviceBuffer<float> dLogits, DeviceBuffer<float> rowStats, DeviceBuffer<float> metrics, int slot, int rows) =>
        Counted("BinaryLossForwardBackward", () => base.BinaryLossForwardBackwardCore(loss, logits, targets, dLogits, rowStats, metrics,
            slot, rows));

    protected override void BatchNormForwardTrainingCore(DeviceBuffer<float> x, DeviceBuffer<float> weight, DeviceBuffer<float> bias,
        DeviceBuffer<float> runningMean, DeviceBuffer<float> runningVar, DeviceBuffer<float> y, DeviceBuffer<float> saveMean,
        DeviceBuffer<float> saveInvStd, BatchNormShape shape, float momentum, float eps) =>
        Counted("BatchNormForwardTraining", () => base.BatchNormForwardTrainingCore(x, weight, bias, runningMean, runningVar, y, saveMean,
            saveInvStd, shape, momentum, eps));

    protected override void BatchNormForwardEvaluationCore(DeviceBuffer<float> x, DeviceBuffer<float> weight, DeviceBuffer<float> bias,
        DeviceBuffer<float> runningMean, DeviceBuffer<float> runningVar, DeviceBuffer<float> y, BatchNormShape shape, float eps) =>
        Counted("BatchNormForwardEvaluation", () => base.BatchNormForwardEvaluationCore(x, weight, bias, runningMean, runningVar, y, shape,
            eps));

    protected override void BatchNormBackwardCore(DeviceBuffer<float> dY, DeviceBuffer<float> x, DeviceBuffer<float> weight,
        DeviceBuffer<float> saveMean, DeviceBuffer<float> saveInvStd, DeviceBuffer<float> dX, DeviceBuffer<float> dWeight,
        DeviceBuffer<float> dBias, BatchNormShape shape) =>
        Counted("BatchNormBackward", () => base.BatchNormBackwardCore(dY, x, weight, saveMean, saveInvStd, dX, dWeight, dBias, shape));

    protected override void SgdUpdateCore(DeviceBuffer<float> parameters, DeviceBuffer<float> gradients, DeviceBuffer<float> velocity,
        int count, float learningRate, float momentum, float weightDecay, bool nesterov) =>
        Counted("SgdUpdate", () => base.SgdUpdateCore(parameters, gradients, velocity, count, learningRate, momentum, weightDecay,
            nesterov));

    protected override void AdamWUpdateCore(DeviceBuffer<float> parameters, DeviceBuffer<float> gradients, DeviceBuffer<float> firstMoment,
        DeviceBuffer<float> secondMoment, int count, AdamWStep step) =>
        Counted("AdamWUpdate", () => base.AdamWUpdateCore(parameters, gradients, firstMoment, secondMoment, count, step));

    protected override void AdadeltaUpdateCore(DeviceBuffer<float> parameters, DeviceBuffer<float> gradients,
        DeviceBuffer<float> squareAverage, DeviceBuffer<float> deltaAverage, int count, AdadeltaStep step) =>
        Counted("AdadeltaUpdate", () => base.AdadeltaUpdateCore(parameters, gradients, squareAverage, deltaAverage, count, step));

    protected override void MaxPool2dForwardCore(DeviceBuffer<float> x, DeviceBuffer<float> y, DeviceBuffer<int> argmax,
        Pool2dShape shape) =>
        Counted("MaxPool2dForward", () => base.MaxPool2dForwardCore(x, y, argmax, shape));

    protected override void MaxPool2dBackwardCore(DeviceBuffer<float> dY, DeviceBuffer<int> argmax, DeviceBuffer<float> dX,
        Pool2dShape shape) =>
        Counted("MaxPool2dBackward", () => base.MaxPool2dBackwardCore(dY, argmax, dX, shape));

    protected override void GlobalAvgPool2dForwardCore(DeviceBuffer<float> x, DeviceBuffer<float> y, int planes, int planeLength) =>
        Counted("GlobalAvgPool2dForward", () => base.GlobalAvgPool2dForwardCore(x, y, planes, planeLength));

    protected override void GlobalAvgPool2dBackwardCore(DeviceBuffer<float> dY, DeviceBuffer<float> dX, int planes, int planeLength) =>
        Counted("GlobalAvgPool2dBackward", () => base.GlobalAvgPool2dBackwardCore(dY, dX, planes, planeLength));

    protected override void FillCore(DeviceBuffer<float> buffer, float value, int offset, int count) =>
        Counted("Fill", () => base.FillCore(buffer, value, offset, count));

    protected override void GemmCore(bool transposeA, bool transposeB, int m, int n, int k, float alpha, DeviceBuffer<float> a,
        DeviceBuffer<float> b, float beta, DeviceBuffer<float> c, GemmAlgorithm algorithm) =>
        Counted("Gemm", () => base.GemmCore(transposeA, transposeB, m, n, k, alpha, a, b, beta, c, algorithm));

    protected override void LinearForwardCore(DeviceBuffer<float> x, DeviceBuffer<float> weight, DeviceBuffer<float> bias,
        DeviceBuffer<float> y, int rows, int inputs, int outputs, Activation? activation) =>
        Counted("LinearForward", () => base.LinearForwardCore(x, weight, bias, y, rows, inputs, outputs, activation));

    protected override void BiasAddCore(DeviceBuffer<float> y, DeviceBuffer<float> bias, int rows, int cols) =>
        Counted("BiasAdd", () => base.BiasAddCore(y, bias, rows, cols));

    protected override void BiasBackwardCore(DeviceBuffer<float> dY, DeviceBuffer<float> dBias, int rows, int cols, float beta) =>
        Counted("BiasBackward", () => base.BiasBackwardCore(dY, dBias, rows, cols, beta));

    protected override void ActivationForwardCore(Activation activation, DeviceBuffer<float> x, DeviceBuffer<float> y, int count) =>
        Counted("ActivationForward", () => base.ActivationForwardCore(activation, x, y, count));

    protected override void ActivationBackwardCore(Activation activation, DeviceBuffer<float> dY, DeviceBuffer<float> y,
        DeviceBuffer<float> dX, int count) =>
        Counted("ActivationBackward", () => base.ActivationBackwardCore(activation, dY, y, dX, count));

    protected override void AddCore(DeviceBuffer<float> a, DeviceBuffer<float> b, DeviceBuffer<float> y, int count) =>
        Counted("Add", () => base.AddCore(a, b, y, count));

    protected override void GatherBatchCore(DeviceBuffer<byte> pixels, DeviceBuffer<int> labels, DeviceBuffer<int> order, int start,
        int count, int features, DeviceBuffer<float> channelScaleShift, int channels, int planeSize, DeviceBuffer<float> inputs,
        DeviceBuffer<int> batchLabels) =>
        Counted("GatherBatch", () => base.GatherBatchCore(pixels, labels, order, start, count, features, channelScaleShift, channels,
            planeSize, inputs, batchLabels));
    }
}
