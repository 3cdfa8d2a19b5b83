using Silk.NET.Vulkan;

namespace Descent.Kernels.Vulkan;

/// <summary>One memory type as vkGetPhysicalDeviceMemoryProperties reports it.</summary>
internal readonly record struct MemoryTypeInfo(MemoryPropertyFlags Flags, int HeapIndex);

/// <summary>One memory heap as vkGetPhysicalDeviceMemoryProperties reports it.</summary>
internal readonly record struct MemoryHeapInfo(ulong Bytes, MemoryHeapFlags Flags);

/// <summary>A device's memory types and heaps as plain data, so placement can be tested against published vulkaninfo tables.</summary>
internal sealed record MemoryTable(IReadOnlyList<MemoryTypeInfo> Types, IReadOnlyList<MemoryHeapInfo> Heaps)
{
    public static MemoryTable Of(in PhysicalDeviceMemoryProperties properties)
    {
        var types = new MemoryTypeInfo[properties.MemoryTypeCount];
        for (var i = 0; i < types.Length; i++)
        {
            types[i] = new MemoryTypeInfo(properties.MemoryTypes[i].PropertyFlags, (int)properties.MemoryTypes[i].HeapIndex);
        }
        var heaps = new MemoryHeapInfo[properties.MemoryHeapCount];
        for (var i = 0; i < heaps.Length; i++)
        {
            heaps[i] = new MemoryHeapInfo(properties.MemoryHeaps[i].Size, properties.MemoryHeaps[i].Flags);
        }
        return new MemoryTable(types, heaps);
    }
}

/// <summary>How the host reads and writes a buffer: through its own mapping, or by copies through a staging buffer.</summary>
internal enum HostTransfer
{
    Mapped,
    Staged,
}

/// <summary>A memory type to allocate a buffer from, and how the host then reaches its contents.</summary>
internal readonly record struct MemoryChoice(int TypeIndex, HostTransfer Transfer);

/// <summary>
/// Where a buffer's memory comes from: an ordered list of memory types, the next tried when
/// vkAllocateMemory runs out of memory with the one before. A pure function of the device's memory
/// table, the buffer's size and allowed types, and what this backend has allocated per heap so far.
/// </summary>
internal static class MemoryPlacement
{
    /// <summary>
    /// Device-local memory the host can map is used directly only from a heap at least this large. Without
    /// resizable BAR that heap is the PCIe window, 214-256 MiB on NVIDIA and AMD, which the driver and other
    /// programs share and which a training run's buffers would fill; with resizable BAR, on integrated GPUs
    /// and on lavapipe it is all of device memory.
    /// </summary>
    public const ulong LargeMappableHeapBytes = 1UL << 30;

    private const MemoryPropertyFlags HostAccess = MemoryPropertyFlags.HostVisibleBit | MemoryPropertyFlags.HostCoherentBit;

    // Memory a compute buffer must not use: protected memory needs the protectedMemory feature, AMD's
    // device-coherent types need deviceCoherentMemory (and bypass the GPU's caches), and lazily allocated
    // memory is for transient attachments only.
    private const MemoryPropertyFlags Unusable = MemoryPropertyFlags.ProtectedBit | MemoryPropertyFlags.DeviceCoherentBitAmd
        | MemoryPropertyFlags.DeviceUncachedBitAmd | MemoryPropertyFlags.LazilyAllocatedBit;

    /// <summary>
    /// Where a storage buffer of <paramref name="bytes"/> goes, best first: device-local memory the host maps
    /// directly, where that memory is host-cached and a large heap (integrated GPUs, lavapipe); else
    /// device-local memory the host cannot see, filled and read through staging copies; then any other
    /// device-local memory (the small PCIe window); last, host memory the device reads over the bus (slow,
    /// but training still runs). Types whose heap has no room left for the buffer by this backend's own
    /// count, and repeats of a (heap, flags) pair already listed, are left out. Without
    /// <paramref name="mapDeviceMemory"/> nothing is mapped: every choice is staged.
    /// </summary>
    /// <param name="allowedTypes">VkMemoryRequirements.memoryTypeBits of the buffer.</param>
    /// <param name="allocatedPerHeap">Bytes this backend holds in each heap.</param>
    public static IReadOnlyList<MemoryChoice> ForStorage(MemoryTable table, ulong bytes, uint allowedTypes,
        IReadOnlyList<ulong> allocatedPerHeap, bool mapDeviceMemory)
    {
        return Ordered(table, bytes, allowedTypes, allocatedPerHeap, StorageRank, Transfer);

        int? StorageRank(MemoryTypeInfo type)
        {
            var deviceLocal = type.Flags.HasFlag(MemoryPropertyFlags.DeviceLocalBit);
            var mappable = type.Flags.HasFlag(HostAccess);
            if (deviceLocal && mappable && ReadableMapped(type) && mapDeviceMemory && table.Heaps[type.HeapIndex].Bytes >= LargeMappableHeapBytes)
            {
                return 0;
            }
            if (deviceLocal)
            {
                return type.Flags.HasFlag(MemoryPropertyFlags.HostVisibleBit) ? 2 : 1;
            }
            return mappable ? 3 : null;
        }

        HostTransfer Transfer(MemoryTypeInfo type) =>
            mapDeviceMemory && type.Flags.HasFlag(HostAccess) && ReadableMapped(type) ? HostTransfer.Mapped : HostTransfer.Staged;
    }

    /// <summary>
    /// Whether the host may read downloads straight from a mapping of this type: not when it is device-local and not
    /// host-cached (a discrete GPU's video memory through a large BAR, its 256 MiB window), where every read crosses
    /// the bus uncached; such memory is filled and read through staging copies instead.
    /// </summary>
    private static bool ReadableMapped(MemoryTypeInfo type) =>
        !type.Flags.HasFlag(MemoryPropertyFlags.DeviceLocalBit) || type.Flags.HasFlag(MemoryPropertyFlags.HostCachedBit);

    /// <summary>
    /// Where a staging buffer of <paramref name="bytes"/> goes, best first: host memory that is cached (host
    /// reads of downloads are fast) and outside the device's heaps, then uncached host memory, then
    /// device-local memory the host can map (the only kind on lavapipe and integrated GPUs). Always mapped.
    /// </summary>
    public static IReadOnlyList<MemoryChoice> ForStaging(MemoryTable table, ulong bytes, uint allowedTypes, IReadOnlyList<ulong> allocatedPerHeap) =>
        Ordered(table, bytes, allowedTypes, allocatedPerHeap, StagingRank, _ => HostTransfer.Mapped);

    private static int? StagingRank(MemoryTypeInfo type)
    {
        if (!type.Flags.HasFlag(HostAccess))
        {
            return null;
        }
        var cached = type.Flags.HasFlag(MemoryPropertyFlags.HostCachedBit);
        return type.Flags.HasFlag(MemoryPropertyFlags.DeviceLocalBit) ? (cached ? 2 : 3) : (cached ? 0 : 1);
    }

    /// <summary>The usable allowed types with room for the buffer, by rank, then in the driver's order (the spec's preference order).</summary>
    private static List<MemoryChoice> Ordered(MemoryTable table, ulong bytes, uint allowedTypes, IReadOnlyList<ulong> allocatedPerHeap,
        Func<MemoryTypeInfo, int?> rank, Func<MemoryTypeInfo, HostTransfer> transfer)
    {
        var candidates = new List<(int Rank, int Index)>();
        for (var index = 0; index < table.Types.Count; index++)
        {
            var type = table.Types[index];
            if ((allowedTypes & (1u << index)) == 0 || (type.Flags & Unusable) != 0 || !HasRoom(table, type.HeapIndex, bytes, allocatedPerHeap))
            {
                continue;
            }
            if (rank(type) is { } typeRank)
            {
                candidates.Add((typeRank, index));
            }
        }
        var choices = new List<MemoryChoice>();
        var seen = new HashSet<MemoryTypeInfo>();
        foreach (var (_, index) in candidates.OrderBy(candidate => candidate.Rank).ThenBy(candidate => candidate.Index))
        {
            if (seen.Add(table.Types[index]))
            {
                choices.Add(new MemoryChoice(index, transfer(table.Types[index])));
            }
        }
        return choices;
    }

    private static bool HasRoom(MemoryTable table, int heap, ulong bytes, IReadOnlyList<ulong> allocatedPerHeap)
    {
        var size = table.Heaps[heap].Bytes;
        var allocated = allocatedPerHeap[heap];
        return allocated <= size && bytes <= size - allocated;
    }
}
