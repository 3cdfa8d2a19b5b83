using Descent.Engine.Data;
using Descent.Engine.Layers;
using Descent.Engine.Losses;
using Descent.Engine.Models;
using Descent.Engine.Optimizers;
using Descent.Engine.Training;
using Descent.Kernels;
using Descent.Kernels.Ilgpu;
using Descent.Tests.Vulkan;
using Xunit;
using Xunit.Abstractions;

namespace Descent.Tests.Engine;

/// <summary>
/// A GPU's training step is bound by launches, so a 784-128-10 SGD-momentum step must take at most 11:
/// the batch gather, two fused linear forwards, the loss with its metric slot, the six backward ops
/// (weight and bias gradients of both layers, the hidden layer's input gradient and its activation's
/// backward) and one optimizer update for every parameter. Counted by each backend itself.
/// </summary>
public sealed class LaunchCountTests(ITestOutputHelper output)
{
    private const int StepsPerEpoch = 3;
    private const int MaxLaunchesPerStep = 11;

    [Fact]
    public void An_mlp_step_takes_at_most_11_ilgpu_launches()
    {
        using var backend = IlgpuBackend.CreateCpu();

        var perStep = LaunchesPerStep(backend, () => backend.Launches);

        Assert.True(perStep <= MaxLaunchesPerStep, $"{perStep} launches per step");
    }

    [SkippableFact]
    public void An_mlp_step_takes_at_most_11_vulkan_dispatches()
    {
        using var backend = VulkanAvailability.CreateValidated();

        var perStep = LaunchesPerStep(backend, () => backend.Dispatches);

        Assert.True(perStep <= MaxLaunchesPerStep, $"{perStep} dispatches per step");
        Assert.Empty(backend.ValidationMessages);
    }

    /// <summary>Launches over one epoch of <see cref="StepsPerEpoch"/> steps after a warm-up epoch, per step.</summary>
    private double LaunchesPerStep(ComputeBackend backend, Func<long> launches)
    {
        const int batch = 128;
        var random = new Random(4);
        var pixels = new byte[StepsPerEpoch * batch * 784];
        random.NextBytes(pixels);
        var labels = Enumerable.Range(0, StepsPerEpoch * batch).Select(_ => random.Next(10)).ToArray();
        var data = new ImageDataset(pixels, labels, 28, 28, 10);
        var spec = new TrainingSpec("random", [1, 28, 28], new ModelSpec([784, 128, 10], Activation.Relu, LinearInit.PyTorchDefault),
            LossFunction.CrossEntropy.Name, new OptimizerSettings(OptimizerKind.Sgd, 0.9f, 0f),
            new ScheduleSettings(ScheduleKind.Constant, 0.05f, 1, 1f, 2), batch, Seed: 1);
        using var run = new TrainingRun(backend, spec, data, data);
        run.Learner.TrainEpoch();

        var before = launches();
        run.Learner.TrainEpoch();
        var perStep = (double)(launches() - before) / StepsPerEpoch;

        output.WriteLine($"{backend.Name}: {perStep} launches per 784-128-10 SGD-momentum step");
        return perStep;
    }
}
