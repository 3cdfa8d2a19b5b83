using Descent.Engine.Data;
using Descent.Engine.Layers;
using Descent.Engine.Losses;
using Descent.Engine.Models;
using Descent.Engine.Optimizers;
using Descent.Engine.Training;
using Descent.Kernels;
using Descent.Kernels.Ilgpu;
using Descent.Kernels.Planning;
using Descent.Kernels.Vulkan;
using Descent.Tests.Planning;
using Xunit;
using Xunit.Abstractions;

namespace Descent.Tests.Vulkan;

/// <summary>
/// The shared-memory GEMM dispatches of whole training steps as NVIDIA's Vulkan driver on an H100 would get them (132
/// multiprocessors by VK_NV_shader_sm_builtins, 1024 invocations a group, maxComputeWorkGroupCount y and z 65,535, 48 KiB
/// of shared memory), planned by the backend's own <see cref="RegisterBlockGemmPlan"/> and checked without executing:
/// one step of the MLP, the CNN and ResNet-20 at its training batch is recorded on a backend that runs nothing, each
/// GEMM the Vulkan backend would dispatch is planned (a convolution's as one batched dispatch per chunk of images, the
/// chunks lavapipe's backend cuts, which an H100's larger buffers would cut the same under the 64 MiB scratch limit),
/// and each must fill the device: at least a group per multiprocessor, or as many as its work gives at 32 x 32 tiles.
/// </summary>
public sealed class VulkanGemmGeometryTests(ITestOutputHelper output)
{
    private static readonly GemmDevice H100 = DispatchShape.SharedGemmDevice("H100 (Vulkan)", 132, software: false, maxThreads: 1024,
        maxGridY: 65535, maxGridZ: 65535, maxSharedBytes: 48 * 1024);

    [SkippableTheory]
    [InlineData("mlp")]
    [InlineData("cnn")]
    [InlineData("resnet20")]
    public void Every_gemm_of_a_step_fills_an_h100(string model)
    {
        var (spec, batch) = Model(model);
        using var vulkan = VulkanAvailability.CreateValidated();

        var gemms = RecordStep(vulkan, spec, batch);

        Assert.NotEmpty(gemms);
        var dispatches = 0;
        foreach (var gemm in gemms)
        {
            var plan = RegisterBlockGemmPlan.For(gemm.M, gemm.N, gemm.K, H100, gemm.Products);
            dispatches += plan.Launches;
            var narrowest = (long)Ceiling(gemm.M, 32) * Ceiling(gemm.N, 32) * gemm.Products
                * (gemm.Products == 1 ? Math.Max(1, gemm.K / RegisterBlockGemmPlan.MinSplitDepth) : 1);
            output.WriteLine($"{model}: {gemm.M}x{gemm.N}x{gemm.K} x {gemm.Products} -> {plan.Tiling.Tile}x{plan.Tiling.Tile} tiles, " +
                $"{plan.Splits} splits, {plan.Groups} groups");
            Assert.True(plan.Groups >= Math.Min(H100.Multiprocessors, narrowest),
                $"{gemm.M}x{gemm.N}x{gemm.K} x {gemm.Products}: {plan.Groups} groups on {H100.Multiprocessors} multiprocessors");
            Assert.InRange(plan.Grid.Y, 1, H100.MaxGridY);
            Assert.InRange(plan.Splits * plan.Products, 1, H100.MaxGridZ);
            Assert.InRange(plan.Group.X * plan.Group.Y, 1, H100.MaxThreadsPerGroup);
        }
        output.WriteLine($"{model} batch {batch}: {gemms.Count} GEMM dispatches unsplit, {dispatches} planned for an H100");
    }

    /// <summary>
    /// The 784-128-10 step on an H100 through Vulkan: 11 dispatches where no GEMM splits, and each GEMM that splits K adds
    /// its sum: both forwards (K = 784 and 128) and both weight gradients split; the input gradient (K = 10) is too shallow
    /// to. As ILGPU's launches on an H100: at most 15.
    /// </summary>
    [SkippableFact]
    public void An_mlp_step_on_an_h100_takes_at_most_15_dispatches()
    {
        var (spec, batch) = Model("mlp");
        using var vulkan = VulkanAvailability.CreateValidated();
        var gemms = RecordStep(vulkan, spec, batch);

        var added = gemms.Sum(gemm => RegisterBlockGemmPlan.For(gemm.M, gemm.N, gemm.K, H100, gemm.Products).Launches - 1);

        output.WriteLine($"{gemms.Count} GEMMs, {added} of them split");
        Assert.InRange(11 + added, 11, 15);
    }

    private static (ModelSpec Spec, int Batch) Model(string name) => name switch
    {
        "mlp" => (new ModelSpec([784, 128, 10], Activation.Relu, LinearInit.PyTorchDefault), 128),
        "cnn" => (ModelSpec.Cnn(new FeatureShape(1, 28, 28), 10), 64),
        _ => (ModelSpec.Resnet(new FeatureShape(1, 28, 28), 10, 20), 128),
    };

    private static List<VulkanGemm> RecordStep(VulkanBackend vulkan, ModelSpec model, int batch)
    {
        using var recorder = NoOpSubclass.Create<VulkanGemmRecordingBackend>(vulkan);
        OneTrainingStep.Run(recorder, model, batch);
        return recorder.Gemms;
    }

    private static int Ceiling(int value, int divisor) => (value + divisor - 1) / divisor;

    /// <summary>One GEMM dispatch of the Vulkan backend: M x N x K, <see cref="Products"/> of them along z.</summary>
    public readonly record struct VulkanGemm(int M, int N, int K, int Products);

    /// <summary>
    /// Runs nothing (a <see cref="CountingBackend"/> with room for any batch) and records the GEMM dispatch of every op that
    /// makes one, as the Vulkan backend lays it out: plain GEMMs, linear forwards, and each convolution pass per chunk.
    /// </summary>
    public abstract class VulkanGemmRecordingBackend(VulkanBackend device) : CountingBackend(device)
    {
        private readonly VulkanBackend vulkan = device;

        internal List<VulkanGemm> Gemms { get; } = [];

        public override MemoryCapacity Memory => new(long.MaxValue, "no device: a recording");

        protected override void GemmCore(bool transposeA, bool transposeB, int m, int n, int k, float alpha, DeviceBuffer<float> a,
            DeviceBuffer<float> b, float beta, DeviceBuffer<float> c, GemmAlgorithm algorithm) => Gemms.Add(new VulkanGemm(m, n, k, 1));

        protected override void LinearForwardCore(DeviceBuffer<float> x, DeviceBuffer<float> weight, DeviceBuffer<float> bias,
            DeviceBuffer<float> y, int rows, int inputs, int outputs, Activation? activation) => Gemms.Add(new VulkanGemm(rows, outputs, inputs, 1));

        protected override void Conv2dForwardCore(DeviceBuffer<float> x, DeviceBuffer<float> weight, DeviceBuffer<float>? bias,
            DeviceBuffer<float> y, Conv2dShape shape, Activation? activation) => Convolution(ConvolutionPass.Forward, shape, bias: false);

        protected override void Conv2dBackwardInputCore(DeviceBuffer<float> dY, DeviceBuffer<float> weight, DeviceBuffer<float> dX,
            Conv2dShape shape) => Convolution(ConvolutionPass.BackwardInput, shape, bias: false);

        protected override void Conv2dBackwardWeightCore(DeviceBuffer<float> dY, DeviceBuffer<float> x, DeviceBuffer<float> dWeight,
            DeviceBuffer<float>? dBias, Conv2dShape shape) => Convolution(ConvolutionPass.BackwardWeight, shape, dBias is not null);

        private void Convolution(ConvolutionPass pass, Conv2dShape shape, bool bias)
        {
            var chunk = vulkan.ImagesPerChunk(pass, shape);
            var (m, n, k) = VulkanBackend.ConvolutionProduct(pass, shape, bias);
            for (var first = 0; first < shape.Batch; first += chunk)
            {
                Gemms.Add(new VulkanGemm(m, n, k, Math.Min(chunk, shape.Batch - first)));
            }
        }
    }
}
