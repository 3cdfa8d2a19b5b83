using Silk.NET.Vulkan;
using VkBuffer = Silk.NET.Vulkan.Buffer;

namespace Descent.Kernels.Vulkan;

/// <summary>
/// Creates and frees buffers: storage buffers in device-local memory (mapped when that memory is also
/// host-visible), and host-visible staging buffers for copies where it is not. One allocation per
/// buffer: Descent allocates its buffers once per model and batch size, so a sub-allocator would not pay.
/// With <c>mapDeviceMemory</c> false, storage buffers are never mapped, even where they could be.
/// </summary>
internal sealed unsafe class VulkanMemory(Vk vk, VulkanDevice device, bool mapDeviceMemory)
{
    private const MemoryPropertyFlags HostAccess = MemoryPropertyFlags.HostVisibleBit | MemoryPropertyFlags.HostCoherentBit;

    private readonly PhysicalDeviceMemoryProperties properties = MemoryProperties(vk, device);
    private long nextId;

    /// <summary>The largest storage buffer a shader may bind on this device.</summary>
    public ulong MaxStorageBufferBytes => device.Physical.Limits.MaxStorageBufferRange;

    /// <summary>A storage buffer of at least <paramref name="bytes"/> bytes (rounded up to whole 32-bit words).</summary>
    /// <exception cref="InvalidInputException">Larger than the device lets a shader bind.</exception>
    public VulkanAllocation CreateStorage(long bytes)
    {
        var size = (ulong)((bytes + 3) / 4 * 4);
        if (size > MaxStorageBufferBytes)
        {
            throw new InvalidInputException(
                $"a buffer of {size / (1024.0 * 1024):F1} MiB exceeds {device.Physical.Name}'s largest storage buffer " +
                $"({MaxStorageBufferBytes / (1024.0 * 1024):F0} MiB): use a smaller batch or dataset");
        }
        return Create(size, BufferUsageFlags.StorageBufferBit | BufferUsageFlags.TransferSrcBit | BufferUsageFlags.TransferDstBit,
            MemoryPropertyFlags.DeviceLocalBit, mapDeviceMemory, "allocate a device buffer");
    }

    /// <summary>A mapped host-visible buffer to copy through.</summary>
    public VulkanAllocation CreateStaging(ulong bytes) =>
        Create(bytes, BufferUsageFlags.TransferSrcBit | BufferUsageFlags.TransferDstBit, HostAccess, map: true, "allocate a staging buffer");

    public void Free(VulkanAllocation allocation)
    {
        vk.DestroyBuffer(device.Handle, allocation.Buffer, null);
        vk.FreeMemory(device.Handle, allocation.Memory, null);
    }

    private VulkanAllocation Create(ulong bytes, BufferUsageFlags usage, MemoryPropertyFlags wanted, bool map, string what)
    {
        var info = new BufferCreateInfo
        {
            SType = StructureType.BufferCreateInfo,
            Size = bytes,
            Usage = usage,
            SharingMode = SharingMode.Exclusive,
        };
        VulkanCalls.Check(vk.CreateBuffer(device.Handle, in info, null, out VkBuffer buffer), what);
        DeviceMemory memory = default;
        try
        {
            vk.GetBufferMemoryRequirements(device.Handle, buffer, out var requirements);
            var type = MemoryType(requirements.MemoryTypeBits, wanted);
            var allocate = new MemoryAllocateInfo
            {
                SType = StructureType.MemoryAllocateInfo,
                AllocationSize = requirements.Size,
                MemoryTypeIndex = type,
            };
            VulkanCalls.Check(vk.AllocateMemory(device.Handle, in allocate, null, out memory), $"{what} of {bytes} bytes");
            VulkanCalls.Check(vk.BindBufferMemory(device.Handle, buffer, memory, 0), what);
            void* mapped = null;
            if (map && (properties.MemoryTypes[(int)type].PropertyFlags & HostAccess) == HostAccess)
            {
                VulkanCalls.Check(vk.MapMemory(device.Handle, memory, 0, Vk.WholeSize, 0, &mapped), "map a buffer");
            }
            return new VulkanAllocation(Interlocked.Increment(ref nextId), buffer, memory, bytes, mapped);
        }
        catch
        {
            vk.DestroyBuffer(device.Handle, buffer, null);
            if (memory.Handle != 0)
            {
                vk.FreeMemory(device.Handle, memory, null);
            }
            throw;
        }
    }

    /// <summary>
    /// The first allowed memory type with every <paramref name="wanted"/> flag; for device-local memory,
    /// one that is host-visible as well where the device has it, so uploads and downloads skip staging.
    /// </summary>
    private uint MemoryType(uint allowedTypes, MemoryPropertyFlags wanted)
    {
        var preferences = wanted == MemoryPropertyFlags.DeviceLocalBit
            ? new[] { wanted | HostAccess, wanted }
            : [wanted];
        foreach (var flags in preferences)
        {
            for (var i = 0; i < properties.MemoryTypeCount; i++)
            {
                if ((allowedTypes & (1u << i)) != 0 && (properties.MemoryTypes[i].PropertyFlags & flags) == flags)
                {
                    return (uint)i;
                }
            }
        }
        throw new DeviceUnavailableException($"{device.Physical.Name} has no memory type with {wanted}: the Vulkan driver is unusable for compute");
    }

    private static PhysicalDeviceMemoryProperties MemoryProperties(Vk vk, VulkanDevice device)
    {
        vk.GetPhysicalDeviceMemoryProperties(device.Physical.Handle, out var memory);
        return memory;
    }
}
