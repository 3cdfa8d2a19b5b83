using Descent.Kernels;

namespace Descent.Benchmarks;

/// <summary>The backends present on this machine that a benchmark may run on.</summary>
internal static class BenchmarkBackends
{
    /// <summary>ILGPU's CPU accelerator always; CUDA and Vulkan where a device exists.</summary>
    public static IEnumerable<string> Present()
    {
        yield return Backends.IlgpuCpuName;
        var devices = Backends.ListDevices();
        foreach (var name in new[] { Backends.CudaName, Backends.VulkanName })
        {
            if (devices.Any(d => d.Backend == name))
            {
                yield return name;
            }
        }
    }

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
