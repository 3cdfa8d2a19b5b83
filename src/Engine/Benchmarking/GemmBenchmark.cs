using System.Diagnostics;
using Descent.Kernels;

namespace Descent.Engine.Benchmarking;

/// <summary>One GEMM kernel's speed on one backend: C (N x N) = A (N x N) B (N x N), single precision.</summary>
public sealed record GemmResult(string Backend, string Device, string Algorithm, int Size, double BestSeconds, double GflopsPerSecond, int Runs);

/// <summary>
/// Times each GEMM kernel a backend has on square matrices, as a SGEMM benchmark does: 2 N^3 flops a
/// product, the best of several runs after one untimed warm-up run, each run waited for before the
/// clock stops. Needs no SDK or benchmark library, so it runs from the GPU kit's bundle.
/// </summary>
public static class GemmBenchmark
{
    /// <summary>The largest size whose three matrices each stay under 2^31 elements (int lengths) with room to spare.</summary>
    public const int MaxSize = 16384;

    /// <param name="budget">Time for each kernel's timed runs: runs go on until it is spent (at least one, at most 50).</param>
    /// <param name="algorithms">The kernels to time; every one the backend has when null.</param>
    public static IReadOnlyList<GemmResult> Run(ComputeBackend backend, int size, TimeSpan budget,
        IReadOnlyList<GemmAlgorithm>? algorithms = null)
    {
        CheckSize(backend, size);
        var chosen = algorithms ?? backend.GemmAlgorithms;
        var elements = size * size;
        var random = new Random(1);
        var values = new float[elements];
        using var a = Upload(backend, values, random);
        using var b = Upload(backend, values, random);
        using var c = backend.Allocate<float>(elements);
        var flops = 2.0 * size * size * size;
        var results = new List<GemmResult>(chosen.Count);
        foreach (var algorithm in chosen)
        {
            backend.Gemm(false, false, size, size, size, 1f, a, b, 0f, c, algorithm);
            backend.Synchronize();
            var best = double.PositiveInfinity;
            var runs = 0;
            var spent = Stopwatch.StartNew();
            while (runs == 0 || (spent.Elapsed < budget && runs < 50))
            {
                var clock = Stopwatch.StartNew();
                backend.Gemm(false, false, size, size, size, 1f, a, b, 0f, c, algorithm);
                backend.Synchronize();
                best = Math.Min(best, clock.Elapsed.TotalSeconds);
                runs++;
            }
            results.Add(new GemmResult(backend.Name, backend.DeviceDescription, CliNames.Of(algorithm), size, best, flops / best / 1e9, runs));
        }
        return results;
    }

    /// <summary>
    /// Refuses, before allocating, a size out of range, a matrix the device cannot hold in one buffer, or
    /// three matrices (A, B and C) its memory cannot hold.
    /// </summary>
    public static void CheckSize(ComputeBackend backend, int size)
    {
        if (size is < 1 or > MaxSize)
        {
            throw new InvalidInputException($"--size must be 1 to {MaxSize}, got {size}");
        }
        var elements = (long)size * size;
        var bytes = elements * sizeof(float);
        if (bytes > backend.MaxBufferBytes || elements > backend.MaxBufferElements)
        {
            throw new InvalidInputException(
                $"a {size} x {size} matrix takes {MemoryCapacity.Format(bytes)}, more than one {backend.Name} buffer holds " +
                $"({MemoryCapacity.Format(Math.Min(backend.MaxBufferBytes, (double)backend.MaxBufferElements * sizeof(float)))})");
        }
        var memory = backend.Memory;
        if (3 * bytes > memory.Bytes)
        {
            throw new InvalidInputException(
                $"three {size} x {size} matrices need {MemoryCapacity.Format(3 * bytes)}; {backend.Name} has {MemoryCapacity.Format(memory.Bytes)} " +
                $"({memory.Where}): use a smaller --size");
        }
    }

    private static DeviceBuffer<float> Upload(ComputeBackend backend, float[] values, Random random)
    {
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = random.NextSingle() * 2f - 1f;
        }
        var buffer = backend.Allocate<float>(values.Length);
        backend.Upload<float>(buffer, values);
        return buffer;
    }
}
