using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Engines;
using Descent.Kernels;

namespace Descent.Benchmarks;

/// <summary>
/// GEMM on one backend at one shape: the naive kernel (the baseline) and, in the subclasses for fast
/// backends, the kernel the backend picks itself (Auto: the cache-blocked SIMD kernel on `cpu`, the shared-memory-tiles
/// one on CUDA). Each invocation queues one GEMM and waits for it. GFLOP/s is a column.
/// </summary>
[Config(typeof(GemmConfig))]
public abstract class GemmBenchmarkBase
{
    private ComputeBackend backend = null!;
    private DeviceBuffer<float> a = null!;
    private DeviceBuffer<float> b = null!;
    private DeviceBuffer<float> c = null!;
    private GemmShape shape = null!;

    [ParamsSource(nameof(BackendNames))]
    public string Backend { get; set; } = "";

    [ParamsSource(nameof(ShapeNames))]
    public string Shape { get; set; } = "";

    public abstract IEnumerable<string> BackendNames();

    public abstract IEnumerable<string> ShapeNames();

    [GlobalSetup]
    public void Setup()
    {
        shape = GemmShape.Parse(Shape);
        backend = Backends.Create(Backend);
        a = BenchmarkBackends.RandomBuffer(backend, shape.M * shape.K, 1);
        b = BenchmarkBackends.RandomBuffer(backend, shape.K * shape.N, 2);
        c = BenchmarkBackends.RandomBuffer(backend, shape.M * shape.N, 3);
    }

    [GlobalCleanup]
    public void Cleanup() => backend.Dispose();

    [Benchmark(Baseline = true)]
    public void Naive() => Run(GemmAlgorithm.Naive);

    protected void Run(GemmAlgorithm algorithm)
    {
        backend.Gemm(shape.TransposeA, shape.TransposeB, shape.M, shape.N, shape.K, 1f, a, b, shape.Beta, c, algorithm);
        backend.Synchronize();
    }

    private sealed class GemmConfig : ManualConfig
    {
        public GemmConfig() =>
            AddColumn(ThroughputColumn.Gflops(benchmarkCase => GemmShape.Parse((string)benchmarkCase.Parameters["Shape"]).Flops));
    }
}

/// <summary>
/// The GEMMs of one 784-128-10 training step at batch 128, each as the engine calls it: the forward
/// Y = X W^T of both layers (NT), the weight gradients dW += dY^T X (TN, beta 1), and the hidden
/// layer's input gradient dX = dY W (NN).
/// </summary>
public static class MlpGemmShapes
{
    public static IEnumerable<string> All() =>
        ["NT 128x784x128", "NT 128x128x10", "TN 128x128x784 b1", "TN 10x128x128 b1", "NN 128x10x128"];
}

/// <summary>The MLP's GEMMs on the fast backends (`cpu`, CUDA): naive against the backend's own kernel.</summary>
[SimpleJob(launchCount: 1, warmupCount: 3, iterationCount: 10)]
public class MlpGemmBenchmarks : GemmBenchmarkBase
{
    public override IEnumerable<string> BackendNames() => BenchmarkBackends.Fast();

    public override IEnumerable<string> ShapeNames() => MlpGemmShapes.All();

    [Benchmark]
    public void Auto() => Run(GemmAlgorithm.Auto);
}

/// <summary>
/// The MLP's GEMMs on ILGPU's CPU accelerator, naive only (its shared-memory-tiles kernel pays an OS-thread
/// rendezvous per barrier and takes tens of seconds per call), in a short job of single invocations.
/// </summary>
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 1, iterationCount: 5)]
public class MlpGemmOnSlowBackendBenchmarks : GemmBenchmarkBase
{
    public override IEnumerable<string> BackendNames() => BenchmarkBackends.Slow();

    public override IEnumerable<string> ShapeNames() => MlpGemmShapes.All();
}

/// <summary>
/// 1024 and 2048 cubed on `cpu` and CUDA only (the CPU accelerator would take hours). The naive
/// baseline takes seconds to a minute per call here, so the job has few iterations (BenchmarkDotNet
/// then runs the naive kernel once per iteration, and batches the fast one to half a second); the
/// blocked kernel's GFLOP/s against the peak-FLOP benchmark gives its efficiency.
/// </summary>
[SimpleJob(launchCount: 1, warmupCount: 1, iterationCount: 3)]
public class LargeGemmBenchmarks : GemmBenchmarkBase
{
    public override IEnumerable<string> BackendNames() => BenchmarkBackends.Fast();

    public override IEnumerable<string> ShapeNames() => ["NN 1024x1024x1024", "NN 2048x2048x2048"];

    [Benchmark]
    public void Auto() => Run(GemmAlgorithm.Auto);
}
