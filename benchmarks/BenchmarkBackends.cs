using Descent.Kernels;
using Descent.Kernels.Vulkan;

namespace Descent.Benchmarks;

/// <summary>The backends present on this machine that a benchmark may run on.</summary>
internal static class BenchmarkBackends
{
    /// <summary>The fast backends: CUDA and a real Vulkan GPU where present, and `cpu`.</summary>
    public static IEnumerable<string> Fast() => Backends.FastPresent();

    /// <summary>
    /// The slow backends, which get short jobs and small shapes: ILGPU's CPU accelerator, present
    /// everywhere, and Vulkan where its only devices are software ones (lavapipe).
    /// </summary>
    public static IEnumerable<string> Slow()
    {
        yield return Backends.IlgpuCpuName;
        if (!VulkanBackend.IsHardwareDevice(0) && Backends.ListDevices().Any(d => d.Backend == Backends.VulkanName))
        {
            yield return Backends.VulkanName;
        }
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
