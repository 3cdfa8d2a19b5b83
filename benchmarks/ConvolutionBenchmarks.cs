using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using Descent.Kernels;

namespace Descent.Benchmarks;

/// <summary>
/// The convolutions of PyTorch's MNIST CNN at batch 64 on the fast backends: conv1 (1 -> 32 channels,
/// 28x28) and conv2 (32 -> 64 channels, 26x26, about 0.68 G multiply-adds, nearly all of an epoch's
/// convolution work), each kernel 3; and ResNet-20's on MNIST at batch 128: a 3x3 of each stage (16, 32 and 64
/// channels at 28x28, 14x14 and 7x7, padding 1) and the stride-2 3x3 that opens stage 2. Each: the forward with its
/// bias and ReLU, the input gradient and the weight and bias gradients. Each invocation runs one op and waits. GFLOP/s against the GEMM
/// benchmarks' says how close the lowering to GEMM comes to the GEMM itself.
/// </summary>
[SimpleJob(launchCount: 1, warmupCount: 3, iterationCount: 10)]
[Config(typeof(ConvolutionConfig))]
public class ConvolutionBenchmarks
{
    private static readonly Dictionary<string, Conv2dShape> Shapes = new()
    {
        ["conv1"] = new(Batch: 64, InChannels: 1, Height: 28, Width: 28, OutChannels: 32, KernelHeight: 3, KernelWidth: 3, Stride: 1, Padding: 0),
        ["conv2"] = new(Batch: 64, InChannels: 32, Height: 26, Width: 26, OutChannels: 64, KernelHeight: 3, KernelWidth: 3, Stride: 1, Padding: 0),
        ["resnet-16"] = new(Batch: 128, InChannels: 16, Height: 28, Width: 28, OutChannels: 16, KernelHeight: 3, KernelWidth: 3, Stride: 1, Padding: 1),
        ["resnet-32"] = new(Batch: 128, InChannels: 32, Height: 14, Width: 14, OutChannels: 32, KernelHeight: 3, KernelWidth: 3, Stride: 1, Padding: 1),
        ["resnet-64"] = new(Batch: 128, InChannels: 64, Height: 7, Width: 7, OutChannels: 64, KernelHeight: 3, KernelWidth: 3, Stride: 1, Padding: 1),
        ["resnet-16to32s2"] = new(Batch: 128, InChannels: 16, Height: 28, Width: 28, OutChannels: 32, KernelHeight: 3, KernelWidth: 3, Stride: 2,
            Padding: 1),
    };

    private ComputeBackend backend = null!;
    private Conv2dShape shape;
    private DeviceBuffer<float> x = null!;
    private DeviceBuffer<float> weight = null!;
    private DeviceBuffer<float> bias = null!;
    private DeviceBuffer<float> y = null!;
    private DeviceBuffer<float> dY = null!;
    private DeviceBuffer<float> dX = null!;
    private DeviceBuffer<float> dWeight = null!;
    private DeviceBuffer<float> dBias = null!;

    [ParamsSource(nameof(FastBackends))]
    public string Backend { get; set; } = "";

    [Params("conv1", "conv2", "resnet-16", "resnet-32", "resnet-64", "resnet-16to32s2")]
    public string Layer { get; set; } = "";

    public static IEnumerable<string> FastBackends() => BenchmarkBackends.Fast();

    [GlobalSetup]
    public void Setup()
    {
        shape = Shapes[Layer];
        backend = Backends.Create(Backend);
        x = BenchmarkBackends.RandomBuffer(backend, (int)shape.InputLength, 1);
        weight = BenchmarkBackends.RandomBuffer(backend, (int)shape.WeightLength, 2);
        bias = BenchmarkBackends.RandomBuffer(backend, shape.OutChannels, 3);
        dY = BenchmarkBackends.RandomBuffer(backend, (int)shape.OutputLength, 4);
        y = backend.Allocate<float>((int)shape.OutputLength);
        dX = backend.Allocate<float>((int)shape.InputLength);
        dWeight = backend.Allocate<float>((int)shape.WeightLength);
        dBias = backend.Allocate<float>(shape.OutChannels);
    }

    [GlobalCleanup]
    public void Cleanup() => backend.Dispose();

    [Benchmark]
    public void Forward()
    {
        backend.Conv2dForward(x, weight, bias, y, shape, Activation.Relu);
        backend.Synchronize();
    }

    [Benchmark]
    public void BackwardInput()
    {
        backend.Conv2dBackwardInput(dY, weight, dX, shape);
        backend.Synchronize();
    }

    [Benchmark]
    public void BackwardWeight()
    {
        backend.Conv2dBackwardWeight(dY, x, dWeight, dBias, shape);
        backend.Synchronize();
    }

    private sealed class ConvolutionConfig : ManualConfig
    {
        // Every pass is one GEMM of M x N x K = the forward's multiply-adds (the bias sum is a rounding error).
        public ConvolutionConfig() =>
            AddColumn(ThroughputColumn.Gflops(benchmarkCase => 2.0 * Shapes[(string)benchmarkCase.Parameters["Layer"]].MultiplyAdds));
    }
}
