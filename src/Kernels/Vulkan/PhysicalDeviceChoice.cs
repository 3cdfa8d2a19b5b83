using Silk.NET.Core.Native;
using Silk.NET.Vulkan;

namespace Descent.Kernels.Vulkan;

/// <summary>A compute-capable physical device, what Descent needs to know of it, and its rank among the others.</summary>
internal sealed unsafe class PhysicalDeviceChoice
{
    private PhysicalDeviceChoice(PhysicalDevice handle, uint computeQueueFamily, string name, PhysicalDeviceType type,
        long memoryBytes, PhysicalDeviceLimits limits)
    {
        Handle = handle;
        ComputeQueueFamily = computeQueueFamily;
        Name = name;
        Type = type;
        MemoryBytes = memoryBytes;
        Limits = limits;
    }

    public PhysicalDevice Handle { get; }

    public uint ComputeQueueFamily { get; }

    public string Name { get; }

    public PhysicalDeviceType Type { get; }

    /// <summary>The size of its device-local memory heaps together.</summary>
    public long MemoryBytes { get; }

    public PhysicalDeviceLimits Limits { get; }

    /// <summary>
    /// What is free now of its device-local heaps together, by VK_EXT_memory_budget (each heap's budget less what this
    /// process already uses of it): what other processes and the driver hold is not counted. Null where the driver
    /// does not have the extension.
    /// </summary>
    public long? FreeDeviceLocalBytes(Vk vk)
    {
        if (!VulkanDevice.HasExtension(vk, Handle, MemoryBudgetExtension))
        {
            return null;
        }
        var budget = new PhysicalDeviceMemoryBudgetPropertiesEXT { SType = StructureType.PhysicalDeviceMemoryBudgetPropertiesExt };
        var properties = new PhysicalDeviceMemoryProperties2 { SType = StructureType.PhysicalDeviceMemoryProperties2, PNext = &budget };
        vk.GetPhysicalDeviceMemoryProperties2(Handle, &properties);
        long free = 0;
        for (var heap = 0; heap < properties.MemoryProperties.MemoryHeapCount; heap++)
        {
            if (properties.MemoryProperties.MemoryHeaps[heap].Flags.HasFlag(MemoryHeapFlags.DeviceLocalBit))
            {
                free += (long)(budget.HeapBudget[heap] - Math.Min(budget.HeapBudget[heap], budget.HeapUsage[heap]));
            }
        }
        return free;
    }

    private const string MemoryBudgetExtension = "VK_EXT_memory_budget";

    /// <summary>A software rasteriser such as lavapipe: correct, never fast; `auto` never picks one.</summary>
    public bool IsSoftware => Type == PhysicalDeviceType.Cpu;

    /// <summary>As `descent devices` prints it.</summary>
    public string Kind => Type switch
    {
        PhysicalDeviceType.DiscreteGpu => "discrete-gpu",
        PhysicalDeviceType.IntegratedGpu => "integrated-gpu",
        PhysicalDeviceType.VirtualGpu => "virtual-gpu",
        PhysicalDeviceType.Cpu => "cpu",
        _ => "other",
    };

    /// <summary>Lower comes first: discrete GPUs, integrated, virtual, other, CPU.</summary>
    public int Preference => Type switch
    {
        PhysicalDeviceType.DiscreteGpu => 0,
        PhysicalDeviceType.IntegratedGpu => 1,
        PhysicalDeviceType.VirtualGpu => 2,
        PhysicalDeviceType.Cpu => 4,
        _ => 3,
    };

    public static PhysicalDeviceChoice Describe(Vk vk, PhysicalDevice handle, uint computeQueueFamily)
    {
        vk.GetPhysicalDeviceProperties(handle, out var properties);
        vk.GetPhysicalDeviceMemoryProperties(handle, out var memory);
        long deviceLocalBytes = 0;
        for (var i = 0; i < memory.MemoryHeapCount; i++)
        {
            var heap = memory.MemoryHeaps[i];
            if ((heap.Flags & MemoryHeapFlags.DeviceLocalBit) != 0)
            {
                deviceLocalBytes += (long)heap.Size;
            }
        }
        var name = SilkMarshal.PtrToString((nint)properties.DeviceName) ?? "unnamed Vulkan device";
        return new PhysicalDeviceChoice(handle, computeQueueFamily, name, properties.DeviceType, deviceLocalBytes, properties.Limits);
    }
}
