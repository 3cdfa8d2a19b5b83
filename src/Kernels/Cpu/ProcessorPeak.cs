using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Descent.Kernels.Cpu;

/// <summary>
/// The processor's measured peak: on every core at once, independent chains of fused multiply-adds
/// on vectors that never leave the registers, no memory traffic at all. Efficiency is stated
/// against this figure rather than a formula: a processor may report AVX-512 but no clock,
/// and whether a 512-bit FMA issues once or twice per cycle differs between cores.
/// <para>
/// A ceiling must not be limited by the measurement itself. Each core needs latency x pipes FMAs in
/// flight: 4 cycles x 2 pipes = 8 on Zen 4 and Zen 5 and on Intel server cores, more where a core has
/// more pipes or a longer latency. <see cref="Chains512"/> chains of 512-bit vectors (32 registers
/// hold them) and <see cref="Chains256"/> of 256-bit ones (AVX2's 16 registers hold them beside the two
/// constants) leave a margin over that; on a 2-vCPU Zen 5 one thread reached the same rate,
/// about 206 GFLOP/s in 512-bit vectors, with 12, 16 or 24 chains. What did read low (255 GFLOP/s
/// for two cores while SGEMM reached 281) was the threads: see <see cref="OnEveryCore"/>. Other load
/// can only slow a run down, so the fastest of several runs is the closest to the ceiling.
/// </para>
/// </summary>
public static class ProcessorPeak
{
    private const int Chains512 = 24;
    private const int Chains256 = 14;

    /// <summary>FLOPs one run of the widest chains this processor has performs in <paramref name="steps"/> steps, on all threads.</summary>
    public static double Flops(bool vector512, long steps) =>
        2.0 * steps * Environment.ProcessorCount * (vector512 ? Chains512 * Vector512<float>.Count : Chains256 * Vector256<float>.Count);

    /// <summary>Runs the 512-bit chains on every core for <paramref name="steps"/> steps.</summary>
    public static float Vector512Fma(long steps) => OnEveryCore(Vector512Chains, steps);

    /// <summary>Runs the 256-bit chains on every core for <paramref name="steps"/> steps.</summary>
    public static float Vector256Fma(long steps) => OnEveryCore(Vector256Chains, steps);

    /// <summary>
    /// The best rate, in FLOP/s, of <paramref name="runs"/> runs of the widest chains the processor has, each of
    /// <paramref name="steps"/> steps (a million take about 10 ms on a Zen 5 core): a fraction of a second in all.
    /// </summary>
    public static double Measure(int runs = 10, long steps = 1_000_000)
    {
        var vector512 = Vector512.IsHardwareAccelerated;
        var best = 0.0;
        for (var run = 0; run < runs; run++)
        {
            var started = Stopwatch.GetTimestamp();
            _ = vector512 ? Vector512Fma(steps) : Vector256Fma(steps);
            best = Math.Max(best, Flops(vector512, steps) / Stopwatch.GetElapsedTime(started).TotalSeconds);
        }
        return best;
    }

    /// <summary>
    /// Runs <paramref name="chains"/> on every core at the same time: one new thread per core, released
    /// together by a barrier. Parallel.For promised no such thing: it may run every part on the caller,
    /// one after another, when no pool thread joins in time, and the sum then reads as half the peak.
    /// Starting the threads costs well under 1% of an invocation's 10 ms or more.
    /// </summary>
    private static float OnEveryCore(Func<long, float> chains, long steps)
    {
        var results = new float[Environment.ProcessorCount];
        using var start = new Barrier(Environment.ProcessorCount);
        var threads = Enumerable.Range(1, Environment.ProcessorCount - 1).Select(part => new Thread(() =>
        {
            start.SignalAndWait();
            results[part] = chains(steps);
        })).ToList();
        threads.ForEach(thread => thread.Start());
        start.SignalAndWait();
        results[0] = chains(steps);
        threads.ForEach(thread => thread.Join());
        return results.Sum();
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static float Vector512Chains(long steps)
    {
        // x * 0.9999999 + 1e-7 stays near its start forever: no overflow, no denormals.
        var scale = Vector512.Create(0.9999999f);
        var offset = Vector512.Create(1e-7f);
        var c0 = Vector512.Create(1f); var c1 = Vector512.Create(2f); var c2 = Vector512.Create(3f); var c3 = Vector512.Create(4f);
        var c4 = Vector512.Create(5f); var c5 = Vector512.Create(6f); var c6 = Vector512.Create(7f); var c7 = Vector512.Create(8f);
        var c8 = Vector512.Create(9f); var c9 = Vector512.Create(10f); var c10 = Vector512.Create(11f); var c11 = Vector512.Create(12f);
        var c12 = Vector512.Create(13f); var c13 = Vector512.Create(14f); var c14 = Vector512.Create(15f); var c15 = Vector512.Create(16f);
        var c16 = Vector512.Create(17f); var c17 = Vector512.Create(18f); var c18 = Vector512.Create(19f); var c19 = Vector512.Create(20f);
        var c20 = Vector512.Create(21f); var c21 = Vector512.Create(22f); var c22 = Vector512.Create(23f); var c23 = Vector512.Create(24f);
        for (var i = 0L; i < steps; i++)
        {
            c0 = Vector512.FusedMultiplyAdd(c0, scale, offset); c1 = Vector512.FusedMultiplyAdd(c1, scale, offset);
            c2 = Vector512.FusedMultiplyAdd(c2, scale, offset); c3 = Vector512.FusedMultiplyAdd(c3, scale, offset);
            c4 = Vector512.FusedMultiplyAdd(c4, scale, offset); c5 = Vector512.FusedMultiplyAdd(c5, scale, offset);
            c6 = Vector512.FusedMultiplyAdd(c6, scale, offset); c7 = Vector512.FusedMultiplyAdd(c7, scale, offset);
            c8 = Vector512.FusedMultiplyAdd(c8, scale, offset); c9 = Vector512.FusedMultiplyAdd(c9, scale, offset);
            c10 = Vector512.FusedMultiplyAdd(c10, scale, offset); c11 = Vector512.FusedMultiplyAdd(c11, scale, offset);
            c12 = Vector512.FusedMultiplyAdd(c12, scale, offset); c13 = Vector512.FusedMultiplyAdd(c13, scale, offset);
            c14 = Vector512.FusedMultiplyAdd(c14, scale, offset); c15 = Vector512.FusedMultiplyAdd(c15, scale, offset);
            c16 = Vector512.FusedMultiplyAdd(c16, scale, offset); c17 = Vector512.FusedMultiplyAdd(c17, scale, offset);
            c18 = Vector512.FusedMultiplyAdd(c18, scale, offset); c19 = Vector512.FusedMultiplyAdd(c19, scale, offset);
            c20 = Vector512.FusedMultiplyAdd(c20, scale, offset); c21 = Vector512.FusedMultiplyAdd(c21, scale, offset);
            c22 = Vector512.FusedMultiplyAdd(c22, scale, offset); c23 = Vector512.FusedMultiplyAdd(c23, scale, offset);
        }
        return Vector512.Sum(c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7 + c8 + c9 + c10 + c11 + c12 + c13 + c14 + c15 + c16 + c17 + c18 + c19 + c20 + c21 + c22 + c23);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static float Vector256Chains(long steps)
    {
        var scale = Vector256.Create(0.9999999f);
        var offset = Vector256.Create(1e-7f);
        var c0 = Vector256.Create(1f); var c1 = Vector256.Create(2f); var c2 = Vector256.Create(3f); var c3 = Vector256.Create(4f);
        var c4 = Vector256.Create(5f); var c5 = Vector256.Create(6f); var c6 = Vector256.Create(7f); var c7 = Vector256.Create(8f);
        var c8 = Vector256.Create(9f); var c9 = Vector256.Create(10f); var c10 = Vector256.Create(11f); var c11 = Vector256.Create(12f);
        var c12 = Vector256.Create(13f); var c13 = Vector256.Create(14f);
        for (var i = 0L; i < steps; i++)
        {
            c0 = Vector256.FusedMultiplyAdd(c0, scale, offset); c1 = Vector256.FusedMultiplyAdd(c1, scale, offset);
            c2 = Vector256.FusedMultiplyAdd(c2, scale, offset); c3 = Vector256.FusedMultiplyAdd(c3, scale, offset);
            c4 = Vector256.FusedMultiplyAdd(c4, scale, offset); c5 = Vector256.FusedMultiplyAdd(c5, scale, offset);
            c6 = Vector256.FusedMultiplyAdd(c6, scale, offset); c7 = Vector256.FusedMultiplyAdd(c7, scale, offset);
            c8 = Vector256.FusedMultiplyAdd(c8, scale, offset); c9 = Vector256.FusedMultiplyAdd(c9, scale, offset);
            c10 = Vector256.FusedMultiplyAdd(c10, scale, offset); c11 = Vector256.FusedMultiplyAdd(c11, scale, offset);
            c12 = Vector256.FusedMultiplyAdd(c12, scale, offset); c13 = Vector256.FusedMultiplyAdd(c13, scale, offset);
        }
        return Vector256.Sum(c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7 + c8 + c9 + c10 + c11 + c12 + c13);
    }
}
