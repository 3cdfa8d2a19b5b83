using Descent.Engine.Data;
using Descent.Engine.Layers;
using Descent.Engine.Losses;
using Descent.Engine.Models;
using Descent.Engine.Optimizers;
using Descent.Engine.Training;
using Descent.Kernels;
using Descent.Kernels.Ilgpu;
using Descent.Kernels.Planning;
using Descent.Tests.Planning;
using Xunit;
using Xunit.Abstractions;

namespace Descent.Tests.Ilgpu;

/// <summary>
/// The register-blocks GEMM launches of whole training steps as an H100 and an H200 would get them, computed by the
/// launching code's own planning (<see cref="RegisterBlockGemmPlan"/>) and checked without executing anything: one
/// step of the MLP, the CNN and ResNet-20 is recorded on a backend that runs nothing, every GEMM its ops make is
/// planned for the device, and each launch must fill the device (at least a group per multiprocessor, or as many as
/// its work gives at 32 x 32 tiles) within CUDA's limits: 1024 threads a group, grid y and z at most 65,535, 48 KiB
/// of dynamic shared memory. Each model at its training batch and at the largest batch its widest layer allows.
/// </summary>
public sealed class GemmGeometryTests(ITestOutputHelper output)
{
    public static TheoryData<string, string> StepsAndDevices()
    {
        var data = new TheoryData<string, string>();
        foreach (var model in new[] { "mlp", "cnn", "resnet20" })
        {
            foreach (var device in new[] { GemmDevice.H100.Name, GemmDevice.H200.Name })
            {
                data.Add(model, device);
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(StepsAndDevices))]
    public void Every_gemm_of_a_step_fills_the_device_within_its_limits(string model, string deviceName)
    {
        var device = new[] { GemmDevice.H100, GemmDevice.H200 }.Single(candidate => candidate.Name == deviceName);
        var (spec, trainingBatch) = Model(model);
        var largest = (int)(int.MaxValue / spec.Graph.Nodes.Select(node => node.OutputShape.Features).Append(spec.Graph.Input.Features).Max());

        foreach (var batch in new[] { trainingBatch, largest })
        {
            var gemms = RecordStep(spec, batch);
            Assert.NotEmpty(gemms);
            var launches = 0;
            foreach (var gemm in gemms.Distinct())
            {
                var plan = RegisterBlockGemmPlan.For(gemm.M, gemm.N, gemm.K, device);
                // The most groups 32 x 32 tiles give: every tile, K in chunks of 16.
                var narrowest = (long)Ceiling(gemm.M, 32) * Ceiling(gemm.N, 32) * Math.Max(1, gemm.K / RegisterBlockGemmPlan.MinSplitDepth);
                var unsplit = Ceiling(gemm.M, RegisterBlockTiling.Wide.Tile) * Ceiling(gemm.N, RegisterBlockTiling.Wide.Tile);
                output.WriteLine($"{device.Name} {model} batch {batch}: {gemm.M}x{gemm.N}x{gemm.K} -> {plan.Tiling.Tile}x{plan.Tiling.Tile} " +
                    $"tiles, {plan.Splits} splits, {plan.Groups} groups (one 128x128 launch: {unsplit})");
                Assert.True(plan.Groups >= Math.Min(device.Multiprocessors, narrowest),
                    $"{gemm.M}x{gemm.N}x{gemm.K}: {plan.Groups} groups on {device.Multiprocessors} multiprocessors");
                Assert.InRange(plan.Grid.X, 1, int.MaxValue);
                Assert.InRange(plan.Grid.Y, 1, device.MaxGridY);
                Assert.InRange(plan.Grid.Z, 1, device.MaxGridZ);
                Assert.InRange(plan.Group.X * plan.Group.Y, 1, device.MaxThreadsPerGroup);
                Assert.InRange(plan.SharedMemoryBytes, 1, device.MaxSharedMemoryPerGroup);
                Assert.True(plan.PartialFloats(gemm.M, gemm.N) <= int.MaxValue, "the partial sums must fit one buffer");
            }
            foreach (var gemm in gemms)
            {
                launches += RegisterBlockGemmPlan.For(gemm.M, gemm.N, gemm.K, device).Launches;
            }
            output.WriteLine($"{device.Name} {model} batch {batch}: {gemms.Count} GEMMs a step, {launches} GEMM launches");
        }
    }

    /// <summary>
    /// The 784-128-10 step on an H100: 11 launches on a device that never splits; each GEMM that splits K adds its sum.
    /// Its forward (128 x 128, K = 784) and both weight gradients split, the second layer's forward and the input
    /// gradient (K = 10) are too small or too shallow to: at most 15.
    /// </summary>
    [Fact]
    public void An_mlp_step_on_an_h100_takes_at_most_15_launches()
    {
        var (spec, batch) = Model("mlp");
        var gemms = RecordStep(spec, batch);

        var added = gemms.Sum(gemm => RegisterBlockGemmPlan.For(gemm.M, gemm.N, gemm.K, GemmDevice.H100).Launches - 1);

        output.WriteLine($"{gemms.Count} GEMMs, {added} of them split");
        Assert.InRange(11 + added, 11, 15);
    }

    private static (ModelSpec Spec, int Batch) Model(string name) => name switch
    {
        "mlp" => (new ModelSpec([784, 128, 10], Activation.Relu, LinearInit.PyTorchDefault), 128),
        "cnn" => (ModelSpec.Cnn(new FeatureShape(1, 28, 28), 10), 64),
        _ => (ModelSpec.Resnet(new FeatureShape(1, 28, 28), 10, 20), 128),
    };

    /// <summary>The GEMMs the ILGPU backend launches for one training step of <paramref name="model"/> at <paramref name="batch"/>.</summary>
    private static List<GemmLayout> RecordStep(ModelSpec model, int batch)
    {
        using var ilgpu = IlgpuBackend.CreateCpu();
        using var recorder = NoOpSubclass.Create<GemmRecordingBackend>(ilgpu);
        OneTrainingStep.Run(recorder, model, batch);
        return recorder.Gemms;
    }

    private static int Ceiling(int value, int divisor) => (value + divisor - 1) / divisor;

    /// <summary>
    /// Runs nothing (a <see cref="CountingBackend"/> with room for any batch) and records the GEMM of every op that makes one,
    /// as the ILGPU backend lays it out: plain GEMMs, linear forwards, and each convolution pass per slice of its batch.
    /// </summary>
    public abstract class GemmRecordingBackend(IlgpuBackend device) : CountingBackend(device)
    {
        private readonly IlgpuBackend ilgpu = device;

        internal List<GemmLayout> Gemms { get; } = [];

        public override MemoryCapacity Memory => new(long.MaxValue, "no device: a recording");

        protected override void GemmCore(bool transposeA, bool transposeB, int m, int n, int k, float alpha, DeviceBuffer<float> a,
            DeviceBuffer<float> b, float beta, DeviceBuffer<float> c, GemmAlgorithm algorithm) =>
            Gemms.Add(new GemmLayout(transposeA, transposeB, m, n, k));

        protected override void LinearForwardCore(DeviceBuffer<float> x, DeviceBuffer<float> weight, DeviceBuffer<float> bias,
            DeviceBuffer<float> y, int rows, int inputs, int outputs, Activation? activation) =>
            Gemms.Add(IlgpuBackend.LinearForwardGemm(rows, inputs, outputs));

        protected override void Conv2dForwardCore(DeviceBuffer<float> x, DeviceBuffer<float> weight, DeviceBuffer<float>? bias,
            DeviceBuffer<float> y, Conv2dShape shape, Activation? activation) => Convolution(ConvolutionPass.Forward, shape);

        protected override void Conv2dBackwardInputCore(DeviceBuffer<float> dY, DeviceBuffer<float> weight, DeviceBuffer<float> dX,
            Conv2dShape shape) => Convolution(ConvolutionPass.BackwardInput, shape);

        protected override void Conv2dBackwardWeightCore(DeviceBuffer<float> dY, DeviceBuffer<float> x, DeviceBuffer<float> dWeight,
            DeviceBuffer<float>? dBias, Conv2dShape shape) => Convolution(ConvolutionPass.BackwardWeight, shape);

        private void Convolution(ConvolutionPass pass, Conv2dShape shape)
        {
            var slice = ilgpu.SamplesPerSlice(shape);
            for (var first = 0; first < shape.Batch; first += slice)
            {
                Gemms.Add(IlgpuBackend.ConvolutionGemm(pass, shape with { Batch = Math.Min(slice, shape.Batch - first) }));
            }
        }
    }
}
