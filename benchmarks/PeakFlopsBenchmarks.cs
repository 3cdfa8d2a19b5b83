using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using Descent.Kernels.Cpu;

namespace Descent.Benchmarks;

/// <summary>
/// The processor's measured peak (<see cref="ProcessorPeak"/>) under BenchmarkDotNet: the figure GEMM and
/// convolution efficiencies are stated against, with the best iteration's rate beside the mean's.
/// </summary>
[Config(typeof(PeakConfig))]
[SimpleJob(launchCount: 1, warmupCount: 3, iterationCount: 10)]
public class PeakFlopsBenchmarks
{
    private const long Steps = 4_000_000;

    /// <summary>Floating-point operations one invocation of <paramref name="method"/> performs, on all threads.</summary>
    public static double Flops(string method) => ProcessorPeak.Flops(method == nameof(Vector512Fma), Steps);

    [Benchmark]
    public float Vector512Fma() => ProcessorPeak.Vector512Fma(Steps);

    [Benchmark]
    public float Vector256Fma() => ProcessorPeak.Vector256Fma(Steps);

    private sealed class PeakConfig : ManualConfig
    {
        public PeakConfig()
        {
            AddColumn(ThroughputColumn.Gflops(benchmarkCase => Flops(benchmarkCase.Descriptor.WorkloadMethod.Name)));
            AddColumn(ThroughputColumn.BestGflops(benchmarkCase => Flops(benchmarkCase.Descriptor.WorkloadMethod.Name)));
        }
    }
}
