using Silk.NET.Vulkan;
using VkBuffer = Silk.NET.Vulkan.Buffer;

namespace Descent.Kernels.Vulkan;

/// <summary>
/// Creates and frees buffers: storage buffers where <see cref="MemoryPlacement.ForStorage"/> puts them
/// (mapped or reached through staging copies), and host-visible staging buffers. Each allocation tries the
/// placement's choices in order and moves to the next when the driver runs out of memory; the bytes held
/// per heap are counted so that a heap already full is not tried. One allocation per buffer: Descent
/// allocates its buffers once per model and batch size, so a sub-allocator would not pay.
/// With <c>mapDeviceMemory</c> false, storage buffers are never mapped, even where they could be.
/// </summary>
internal sealed unsafe class VulkanMemory
{
    private readonly Vk vk;
    private readonly VulkanDevice device;
    private readonly bool mapDeviceMemory;
    private readonly MemoryTable table;
    private readonly ulong[] allocatedPerHeap;
    private long nextId;

    public VulkanMemory(Vk vk, VulkanDevice device, bool mapDeviceMemory)
    {
        this.vk = vk;
        this.device = device;
        this.mapDeviceMemory = mapDeviceMemory;
        vk.GetPhysicalDeviceMemoryProperties(device.Physical.Handle, out var properties);
        table = MemoryTable.Of(properties);
        allocatedPerHeap = new ulong[table.Heaps.Count];
    }

    /// <summary>The largest storage buffer a shader may bind on this device.</summary>
    public ulong MaxStorageBufferBytes => device.Physical.Limits.MaxStorageBufferRange;

    /// <summary>A storage buffer of at least <paramref name="bytes"/> bytes (rounded up to whole 32-bit words).</summary>
    /// <exception cref="InvalidInputException">Larger than the device lets a shader bind.</exception>
    /// <exception cref="DeviceUnavailableException">No memory type has room for it.</exception>
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
            staging: false, "allocate a device buffer");
    }

    /// <summary>A mapped host-visible buffer to copy through.</summary>
    public VulkanAllocation CreateStaging(ulong bytes) =>
        Create(bytes, BufferUsageFlags.TransferSrcBit | BufferUsageFlags.TransferDstBit, staging: true, "allocate a staging buffer");

    public void Free(VulkanAllocation allocation)
    {
        vk.DestroyBuffer(device.Handle, allocation.Buffer, null);
        vk.FreeMemory(device.Handle, allocation.Memory, null);
        allocatedPerHeap[allocation.Heap] -= allocation.MemoryBytes;
    }

    private VulkanAllocation Create(ulong bytes, BufferUsageFlags usage, bool staging, string what)
    {
        var info = new BufferCreateInfo
        {
            SType = StructureType.BufferCreateInfo,
            Size = bytes,
            Usage = usage,
            SharingMode = SharingMode.Exclusive,
        };
        VulkanCalls.Check(vk.CreateBuffer(device.Handle, in info, null, out VkBuffer buffer), what);
        try
        {
            vk.GetBufferMemoryRequirements(device.Handle, buffer, out var requirements);
            var choices = staging
                ? MemoryPlacement.ForStaging(table, requirements.Size, requirements.MemoryTypeBits, allocatedPerHeap)
                : MemoryPlacement.ForStorage(table, requirements.Size, requirements.MemoryTypeBits, allocatedPerHeap, mapDeviceMemory);
            // With no choice left, every heap is full by this backend's own count: the driver would say so too.
            var outcome = Result.ErrorOutOfDeviceMemory;
            foreach (var choice in choices)
            {
                var allocate = new MemoryAllocateInfo
                {
                    SType = StructureType.MemoryAllocateInfo,
                    AllocationSize = requirements.Size,
                    MemoryTypeIndex = (uint)choice.TypeIndex,
                };
                outcome = vk.AllocateMemory(device.Handle, in allocate, null, out var memory);
                if (outcome is Result.ErrorOutOfDeviceMemory or Result.ErrorOutOfHostMemory)
                {
                    continue;
                }
                VulkanCalls.Check(outcome, $"{what} of {bytes} bytes");
                return Bind(buffer, memory, bytes, choice, requirements.Size, what);
            }
            throw VulkanCalls.Failure(outcome, $"{what} of {bytes} bytes");
        }
        catch
        {
            vk.DestroyBuffer(device.Handle, buffer, null);
            throw;
        }
    }

    private VulkanAllocation Bind(VkBuffer buffer, DeviceMemory memory, ulong bytes, MemoryChoice choice, ulong memoryBytes, string what)
    {
        try
        {
            VulkanCalls.Check(vk.BindBufferMemory(device.Handle, buffer, memory, 0), what);
            void* mapped = null;
            if (choice.Transfer == HostTransfer.Mapped)
            {
                VulkanCalls.Check(vk.MapMemory(device.Handle, memory, 0, Vk.WholeSize, 0, &mapped), "map a buffer");
            }
            var heap = table.Types[choice.TypeIndex].HeapIndex;
            allocatedPerHeap[heap] += memoryBytes;
            return new VulkanAllocation(Interlocked.Increment(ref nextId), buffer, memory, bytes, mapped, choice.TypeIndex, heap, memoryBytes);
        }
        catch
        {
            vk.FreeMemory(device.Handle, memory, null);
            throw;
        }
    }
}
