using Descent.Kernels;
using Descent.Kernels.Vulkan;
using Xunit;

namespace Descent.Tests.Vulkan;

/// <summary>
/// Creates Vulkan backends for tests, always with the Khronos validation layer. Where Vulkan (or the
/// layer) is missing, a test is skipped with the reason, except on CI (CI=true), where it fails: CI
/// installs lavapipe and the layer, so a missing one there is a broken set-up, not a reason to skip.
/// Call from a [SkippableFact] or [SkippableTheory].
/// </summary>
public static class VulkanAvailability
{
    /// <param name="mapDeviceMemory">False sends every upload and download through a staging buffer, as on a discrete GPU.</param>
    public static VulkanBackend CreateValidated(bool mapDeviceMemory = true)
    {
        try
        {
            return VulkanBackend.Create(deviceIndex: 0, validate: true, mapDeviceMemory);
        }
        catch (DeviceUnavailableException e)
        {
            throw Unavailable(e.Message);
        }
    }

    /// <summary>Skips (or on CI fails) a test of <paramref name="backend"/> where it is vulkan and no device or validation layer is installed.</summary>
    public static void SkipUnlessAvailable(string backend)
    {
        if (backend == Backends.VulkanName)
        {
            CreateValidated().Dispose();
        }
    }

    private static Exception Unavailable(string reason) =>
        Environment.GetEnvironmentVariable("CI") == "true"
            ? new Xunit.Sdk.XunitException($"Vulkan is required on CI (CI=true) but unavailable: {reason}")
            : new SkipException($"Vulkan unavailable: {reason}");
}
