namespace Descent.Kernels.Vulkan;

/// <summary>The Vulkan devices on this machine, found once per process for `descent devices` and `auto`.</summary>
internal static class VulkanDevices
{
    private static readonly Lazy<IReadOnlyList<DeviceInfo>> Devices = new(Find);

    public static IReadOnlyList<DeviceInfo> Found => Devices.Value;

    /// <summary>Lists devices in preference order, or none when there is no loader or driver: listing never fails.</summary>
    private static IReadOnlyList<DeviceInfo> Find()
    {
        try
        {
            using var instance = VulkanInstance.Create(ValidationMode.Off);
            return [.. instance.Devices.Select((device, index) =>
                new DeviceInfo(index, Backends.VulkanName, device.PciAddress is { } pci ? $"{device.Name} (PCI {pci})" : device.Name,
                    device.Kind, device.MemoryBytes))];
        }
        catch (DeviceUnavailableException)
        {
            return [];
        }
    }
}
