using Silk.NET.Vulkan;

namespace Descent.Kernels.Vulkan;

/// <summary>Which queue family Descent submits its work to.</summary>
internal static class QueueFamilyChoice
{
    /// <summary>
    /// The first compute-only family (compute without graphics) where the device has one, else the first
    /// family with compute, else -1. A compute-only queue is off the path that draws the desktop, and on
    /// AMD the kernel driver gives jobs on it a longer watchdog (or none) than the 10 s it allows a job on
    /// the graphics queue. NVIDIA and AMD have such a family; lavapipe and Intel's integrated GPUs have one
    /// family that does everything.
    /// </summary>
    public static int Compute(IReadOnlyList<QueueFlags> families)
    {
        var firstCompute = -1;
        for (var i = 0; i < families.Count; i++)
        {
            if ((families[i] & QueueFlags.ComputeBit) == 0)
            {
                continue;
            }
            if ((families[i] & QueueFlags.GraphicsBit) == 0)
            {
                return i;
            }
            if (firstCompute < 0)
            {
                firstCompute = i;
            }
        }
        return firstCompute;
    }
}
