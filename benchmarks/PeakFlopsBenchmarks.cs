using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;

namespace Descent.Benchmarks;

/// <summary>
/// The processor's measured peak: on every core at once, independent chains of fused multiply-adds
/// on vectors that never leave the registers, no memory traffic at all. Twelve chains per thread
/// cover an FMA latency of 4 to 5 cycles at up to two FMAs per cycle. GEMM efficiency is stated
/// against this figure rather than a formula: this machine's processor reports AVX-512 but no clock,
/// and whether a 512-bit FMA issues once or twice per cycle differs between cores.
/// </summary>
[Config(typeof(PeakConfig))]
[SimpleJob(launchCount: 1, warmupCount: 3, iterationCount: 10)]
public class PeakFlopsBenchmarks
{
    private const int Chains = 12;
    private const long Steps = 4_000_000;

    private static int Threads => Environment.ProcessorCount;

    /// <summary>Floating-point operations one invocation of <paramref name="method"/> performs, on all threads.</summary>
    public static double Flops(string method) =>
        2.0 * Chains * Steps * Threads * (method == nameof(Vector512Fma) ? Vector512<float>.Count : Vector256<float>.Count);

    [Benchmark]
    public float Vector512Fma() => OnEveryCore(Vector512Chains);

    [Benchmark]
    public float Vector256Fma() => OnEveryCore(Vector256Chains);

    private static float OnEveryCore(Func<float> chains)
    {
        var results = new float[Threads];
        Parallel.For(0, Threads, new ParallelOptions { MaxDegreeOfParallelism = Threads }, thread => results[thread] = chains());
        return results.Sum();
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static float Vector512Chains()
    {
        // x * 0.9999999 + 1e-7 stays near its start forever: no overflow, no denormals.
        var scale = Vector512.Create(0.9999999f);
        var offset = Vector512.Create(1e-7f);
        var c0 = Vector512.Create(1f); var c1 = Vector512.Create(2f); var c2 = Vector512.Create(3f);
        var c3 = Vector512.Create(4f); var c4 = Vector512.Create(5f); var c5 = Vector512.Create(6f);
        var c6 = Vector512.Create(7f); var c7 = Vector512.Create(8f); var c8 = Vector512.Create(9f);
        var c9 = Vector512.Create(10f); var c10 = Vector512.Create(11f); var c11 = Vector512.Create(12f);
        for (var i = 0L; i < Steps; i++)
        {
            c0 = Vector512.FusedMultiplyAdd(c0, scale, offset); c1 = Vector512.FusedMultiplyAdd(c1, scale, offset);
            c2 = Vector512.FusedMultiplyAdd(c2, scale, offset); c3 = Vector512.FusedMultiplyAdd(c3, scale, offset);
            c4 = Vector512.FusedMultiplyAdd(c4, scale, offset); c5 = Vector512.FusedMultiplyAdd(c5, scale, offset);
            c6 = Vector512.FusedMultiplyAdd(c6, scale, offset); c7 = Vector512.FusedMultiplyAdd(c7, scale, offset);
            c8 = Vector512.FusedMultiplyAdd(c8, scale, offset); c9 = Vector512.FusedMultiplyAdd(c9, scale, offset);
            c10 = Vector512.FusedMultiplyAdd(c10, scale, offset); c11 = Vector512.FusedMultiplyAdd(c11, scale, offset);
        }
        return Vector512.Sum(c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7 + c8 + c9 + c10 + c11);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static float Vector256Chains()
    {
        var scale = Vector256.Create(0.9999999f);
        var offset = Vector256.Create(1e-7f);
        var c0 = Vector256.Create(1f); var c1 = Vector256.Create(2f); var c2 = Vector256.Create(3f);
        var c3 = Vector256.Create(4f); var c4 = Vector256.Create(5f); var c5 = Vector256.Create(6f);
        var c6 = Vector256.Create(7f); var c7 = Vector256.Create(8f); var c8 = Vector256.Create(9f);
        var c9 = Vector256.Create(10f); var c10 = Vector256.Create(11f); var c11 = Vector256.Create(12f);
        for (var i = 0L; i < Steps; i++)
        {
            c0 = Vector256.FusedMultiplyAdd(c0, scale, offset); c1 = Vector256.FusedMultiplyAdd(c1, scale, offset);
            c2 = Vector256.FusedMultiplyAdd(c2, scale, offset); c3 = Vector256.FusedMultiplyAdd(c3, scale, offset);
            c4 = Vector256.FusedMultiplyAdd(c4, scale, offset); c5 = Vector256.FusedMultiplyAdd(c5, scale, offset);
            c6 = Vector256.FusedMultiplyAdd(c6, scale, offset); c7 = Vector256.FusedMultiplyAdd(c7, scale, offset);
            c8 = Vector256.FusedMultiplyAdd(c8, scale, offset); c9 = Vector256.FusedMultiplyAdd(c9, scale, offset);
            c10 = Vector256.FusedMultiplyAdd(c10, scale, offset); c11 = Vector256.FusedMultiplyAdd(c11, scale, offset);
        }
        return Vector256.Sum(c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7 + c8 + c9 + c10 + c11);
    }

    private sealed class PeakConfig : ManualConfig
    {
        public PeakConfig() => AddColumn(ThroughputColumn.Gflops(benchmarkCase => Flops(benchmarkCase.Descriptor.WorkloadMethod.Name)));
    }
}
