using Descent.Kernels;

namespace Descent.Benchmarks;

/// <summary>The backends present on this machine that a benchmark may run on.</summary>
internal static class BenchmarkBackends
{
    /// <summary>The fast backends: the SIMD CPU backend always, CUDA where a device exists.</summary>
    public static IEnumerable<string> Fast()
    {
        yield return Backends.CpuName;
        if (Backends.ListDevices().Any(d => d.Backend == Backends.CudaName))
        {
            yield return Backends.CudaName;
        }
    }

    /// <summary>ILGPU's CPU accelerator: present everywhere, a hundred times slower, so it gets short jobs and small shapes.</summary>
    public static IEnumerable<string> Slow()
    {
        yield return Backends.IlgpuCpuName;
    }

    /// <summary>Every backend present.</summary>
    public static IEnumerable<string> Present() => Fast().Concat(Slow());

    /// <summary>Seeded values in [-1, 1), uploaded into a new buffer.</summary>
    public static DeviceBuffer<float> RandomBuffer(ComputeBackend backend, int length, int seed)
    {
        var random = new Random(seed);
        var values = new float[length];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = (float)(random.NextDouble() * 2 - 1);
        }
        var buffer = backend.Allocate<float>(length);
        backend.Upload<float>(buffer, values);
        return buffer;
    }
}
