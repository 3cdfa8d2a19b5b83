using Silk.NET.Core.Native;
using Silk.NET.Vulkan;

namespace Descent.Kernels.Vulkan;

/// <summary>The logical device on one chosen physical device, with its one compute queue.</summary>
internal sealed unsafe class VulkanDevice : IDisposable
{
    // MoltenVK exposes this extension and requires it enabled whenever it is present.
    private const string PortabilitySubsetExtension = "VK_KHR_portability_subset";

    private readonly Vk vk;

    private VulkanDevice(Vk vk, PhysicalDeviceChoice physical, Device handle, Queue queue)
    {
        this.vk = vk;
        Physical = physical;
        Handle = handle;
        Queue = queue;
    }

    public PhysicalDeviceChoice Physical { get; }

    public Device Handle { get; }

    public Queue Queue { get; }

    public static VulkanDevice Open(Vk vk, PhysicalDeviceChoice physical)
    {
        var priority = 1f;
        var queueInfo = new DeviceQueueCreateInfo
        {
            SType = StructureType.DeviceQueueCreateInfo,
            QueueFamilyIndex = physical.ComputeQueueFamily,
            QueueCount = 1,
            PQueuePriorities = &priority,
        };
        string[] extensions = HasExtension(vk, physical.Handle, PortabilitySubsetExtension) ? [PortabilitySubsetExtension] : [];
        var extensionNames = (byte**)SilkMarshal.StringArrayToPtr(extensions);
        try
        {
            var info = new DeviceCreateInfo
            {
                SType = StructureType.DeviceCreateInfo,
                QueueCreateInfoCount = 1,
                PQueueCreateInfos = &queueInfo,
                EnabledExtensionCount = (uint)extensions.Length,
                PpEnabledExtensionNames = extensionNames,
            };
            VulkanCalls.Check(vk.CreateDevice(physical.Handle, in info, null, out var device), $"open {physical.Name}");
            vk.GetDeviceQueue(device, physical.ComputeQueueFamily, 0, out var queue);
            return new VulkanDevice(vk, physical, device, queue);
        }
        finally
        {
            SilkMarshal.Free((nint)extensionNames);
        }
    }

    public void Dispose() => vk.DestroyDevice(Handle, null);

    internal static bool HasExtension(Vk vk, PhysicalDevice device, string extension)
    {
        uint count = 0;
        VulkanCalls.Check(vk.EnumerateDeviceExtensionProperties(device, (byte*)null, &count, null), "list device extensions");
        var properties = new ExtensionProperties[count];
        fixed (ExtensionProperties* first = properties)
        {
            VulkanCalls.Check(vk.EnumerateDeviceExtensionProperties(device, (byte*)null, &count, first), "list device extensions");
        }
        for (var i = 0; i < count; i++)
        {
            fixed (byte* name = properties[i].ExtensionName)
            {
                if (SilkMarshal.PtrToString((nint)name) == extension)
                {
                    return true;
                }
            }
        }
        return false;
    }
}
