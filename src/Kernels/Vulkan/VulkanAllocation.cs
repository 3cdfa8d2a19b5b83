using Silk.NET.Vulkan;
using VkBuffer = Silk.NET.Vulkan.Buffer;

namespace Descent.Kernels.Vulkan;

/// <summary>
/// One Vulkan buffer and the memory bound to it. <see cref="Mapped"/> is the persistent host mapping
/// when the memory is host-visible and coherent (lavapipe, integrated GPUs, resizable-BAR), else null.
/// <see cref="Id"/> is never reused, so caches keyed by it cannot confuse a freed buffer with a new one.
/// </summary>
internal sealed unsafe class VulkanAllocation(long id, VkBuffer buffer, DeviceMemory memory, ulong bytes, void* mapped)
{
    public long Id { get; } = id;

    public VkBuffer Buffer { get; } = buffer;

    public DeviceMemory Memory { get; } = memory;

    public ulong Bytes { get; } = bytes;

    public void* Mapped { get; } = mapped;
}
