using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using Descent.Kernels;

namespace Descent.Benchmarks;

/// <summary>
/// Naive against tiled GEMM, C = A * B, at shapes the ILGPU CPU accelerator finishes in seconds
/// (its tiled kernel pays a barrier per tile step, so larger shapes take minutes there).
/// Each invocation queues one GEMM and waits for it.
/// </summary>
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 1, iterationCount: 5)]
public class GemmBenchmarks
{
    private ComputeBackend backend = null!;
    private DeviceBuffer<float> a = null!;
    private DeviceBuffer<float> b = null!;
    private DeviceBuffer<float> c = null!;
    private int m;
    private int n;
    private int k;

    [ParamsSource(nameof(PresentBackends))]
    public string Backend { get; set; } = "";

    /// <summary>M x K x N.</summary>
    [Params("32x32x32", "64x64x64")]
    public string Shape { get; set; } = "";

    public static IEnumerable<string> PresentBackends() => BenchmarkBackends.Present();

    [GlobalSetup]
    public void Setup()
    {
        var sizes = Shape.Split('x').Select(int.Parse).ToArray();
        (m, k, n) = (sizes[0], sizes[1], sizes[2]);
        backend = Backends.Create(Backend);
        a = BenchmarkBackends.RandomBuffer(backend, m * k, 1);
        b = BenchmarkBackends.RandomBuffer(backend, k * n, 2);
        c = backend.Allocate<float>(m * n);
        // Compile both kernels outside the measurement.
        Naive();
        Tiled();
    }

    [Benchmark(Baseline = true)]
    public void Naive() => Run(GemmAlgorithm.Naive);

    [Benchmark]
    public void Tiled() => Run(GemmAlgorithm.Tiled);

    [GlobalCleanup]
    public void Cleanup() => backend.Dispose();

    private void Run(GemmAlgorithm algorithm)
    {
        backend.Gemm(false, false, m, n, k, 1f, a, b, 0f, c, algorithm);
        backend.Synchronize();
    }
}
