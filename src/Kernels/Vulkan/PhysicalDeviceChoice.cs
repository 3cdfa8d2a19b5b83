using Silk.NET.Core.Native;
using Silk.NET.Vulkan;

namespace Descent.Kernels.Vulkan;

/// <summary>A compute-capable physical device, what Descent needs to know of it, and its rank among the others.</summary>
internal sealed unsafe class PhysicalDeviceChoice
{
    private PhysicalDeviceChoice(PhysicalDevice handle, uint computeQueueFamily, string name, PhysicalDeviceType type,
        long memoryBytes, PhysicalDeviceLimits limits, int? multiprocessors, string? pciAddress)
    {
        Handle = handle;
        ComputeQueueFamily = computeQueueFamily;
        Name = name;
        Type = type;
        MemoryBytes = memoryBytes;
        Limits = limits;
        Multiprocessors = multiprocessors;
        PciAddress = pciAddress;
    }

    public PhysicalDevice Handle { get; }

    public uint ComputeQueueFamily { get; }

    public string Name { get; }

    public PhysicalDeviceType Type { get; }

    /// <summary>The size of its device-local memory heaps together.</summary>
    public long MemoryBytes { get; }

    public PhysicalDeviceLimits Limits { get; }

    /// <summary>
    /// How many workgroups the device runs side by side, at one a multiprocessor: NVIDIA's streaming multiprocessors
    /// (VK_NV_shader_sm_builtins) or AMD's compute units (VK_AMD_shader_core_properties); null where the driver says
    /// neither.
    /// </summary>
    public int? Multiprocessors { get; }

    /// <summary>
    /// The device's PCI address, domain:bus:device.function in hexadecimal as CUDA writes it (VK_EXT_pci_bus_info), so a
    /// Vulkan device can be matched with the CUDA device on the same board; null where the driver does not say
    /// (lavapipe, which is no PCI device).
    /// </summary>
    public string? PciAddress { get; }

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
    private const string NvidiaMultiprocessorExtension = "VK_NV_shader_sm_builtins";
    private const string AmdShaderCoreExtension = "VK_AMD_shader_core_properties";
    private const string PciBusInfoExtension = "VK_EXT_pci_bus_info";

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
        return new PhysicalDeviceChoice(handle, computeQueueFamily, name, properties.DeviceType, deviceLocalBytes, properties.Limits,
            MultiprocessorCount(vk, handle), PciAddressOf(vk, handle));
    }

    private static int? MultiprocessorCount(Vk vk, PhysicalDevice handle)
    {
        if (VulkanDevice.HasExtension(vk, handle, NvidiaMultiprocessorExtension))
        {
            var builtins = new PhysicalDeviceShaderSMBuiltinsPropertiesNV { SType = StructureType.PhysicalDeviceShaderSMBuiltinsPropertiesNV };
            var properties = new PhysicalDeviceProperties2 { SType = StructureType.PhysicalDeviceProperties2, PNext = &builtins };
            vk.GetPhysicalDeviceProperties2(handle, &properties);
            return builtins.ShaderSmcount > 0 ? (int)builtins.ShaderSmcount : null;
        }
        if (VulkanDevice.HasExtension(vk, handle, AmdShaderCoreExtension))
        {
            var cores = new PhysicalDeviceShaderCorePropertiesAMD { SType = StructureType.PhysicalDeviceShaderCorePropertiesAmd };
            var properties = new PhysicalDeviceProperties2 { SType = StructureType.PhysicalDeviceProperties2, PNext = &cores };
            vk.GetPhysicalDeviceProperties2(handle, &properties);
            var units = (long)cores.ShaderEngineCount * cores.ShaderArraysPerEngineCount * cores.ComputeUnitsPerShaderArray;
            return units is > 0 and <= int.MaxValue ? (int)units : null;
        }
        return null;
    }

    private static string? PciAddressOf(Vk vk, PhysicalDevice handle)
    {
        if (!VulkanDevice.HasExtension(vk, handle, PciBusInfoExtension))
        {
            return null;
        }
        var pci = new PhysicalDevicePCIBusInfoPropertiesEXT { SType = StructureType.PhysicalDevicePciBusInfoPropertiesExt };
        var properties = new PhysicalDeviceProperties2 { SType = StructureType.PhysicalDeviceProperties2, PNext = &pci };
        vk.GetPhysicalDeviceProperties2(handle, &properties);
        return PciAddressText(pci.PciDomain, pci.PciBus, pci.PciDevice, pci.PciFunction);
    }

    /// <summary>domain:bus:device.function as CUDA's NVML bus id writes it: 0000:65:00.0.</summary>
    internal static string PciAddressText(uint domain, uint bus, uint device, uint function) =>
        $"{domain:X4}:{bus:X2}:{device:X2}.{function:X}";
}
