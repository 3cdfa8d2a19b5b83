using Silk.NET.Vulkan;
using VkBuffer = Silk.NET.Vulkan.Buffer;

namespace Descent.Kernels.Vulkan;

/// <summary>
/// One Vulkan buffer and the memory bound to it. <see cref="Mapped"/> is the persistent host mapping
/// when <see cref="MemoryPlacement"/> chose mapped transfers for it (lavapipe, integrated GPUs, resizable
/// BAR), else null. <see cref="Id"/> is never reused, so caches keyed by it cannot confuse a freed buffer
/// with a new one.
/// </summary>
internal sealed unsafe class VulkanAllocation(long id, VkBuffer buffer, DeviceMemory memory, ulong bytes, void* mapped,
    int memoryType, int heap, ulong memoryBytes)
{
    public long Id { get; } = id;

    public VkBuffer Buffer { get; } = buffer;

    public DeviceMemory Memory { get; } = memory;

    public ulong Bytes { get; } = bytes;

    public void* Mapped { get; } = mapped;

    /// <summary>The memory type it was allocated from.</summary>
    public int MemoryType { get; } = memoryType;

    /// <summary>The heap of that type, where <see cref="MemoryBytes"/> count against its size.</summary>
    public int Heap { get; } = heap;

    /// <summary>The memory allocated for it (the buffer's memory requirements, at least <see cref="Bytes"/>).</summary>
    public ulong MemoryBytes { get; } = memoryBytes;
}
