using Silk.NET.Vulkan;

namespace Descent.Kernels.Vulkan;

/// <summary>Turns a failed Vulkan call into the exception the host reports as one line with its fix.</summary>
internal static class VulkanCalls
{
    /// <summary>Throws unless <paramref name="result"/> is Success; <paramref name="what"/> names the call in words.</summary>
    public static void Check(Result result, string what)
    {
        if (result != Result.Success)
        {
            throw Failure(result, what);
        }
    }

    public static DeviceUnavailableException Failure(Result result, string what) => result switch
    {
        Result.ErrorOutOfDeviceMemory or Result.ErrorOutOfHostMemory or Result.ErrorOutOfPoolMemory =>
            new DeviceUnavailableException(
                $"Vulkan ran out of memory while trying to {what} ({result}): use a smaller --batch-size or model, or a device with more memory"),
        Result.ErrorDeviceLost =>
            new DeviceUnavailableException($"the Vulkan device was lost while trying to {what}: check the driver (dmesg) and run again"),
        Result.ErrorInitializationFailed or Result.ErrorIncompatibleDriver =>
            new DeviceUnavailableException(
                $"no usable Vulkan driver ({result}) while trying to {what}: install your GPU's Vulkan driver, or mesa-vulkan-drivers for the CPU (lavapipe)"),
        _ => new DeviceUnavailableException($"Vulkan failed to {what}: {result}"),
    };
}
