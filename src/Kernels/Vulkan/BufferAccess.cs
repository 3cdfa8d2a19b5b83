namespace Descent.Kernels.Vulkan;

/// <summary>
/// The bytes of one allocation that a buffer covers: all of it, or a view's part from
/// <see cref="Offset"/> (a multiple of minStorageBufferOffsetAlignment, which the view's alignment ensures).
/// </summary>
internal readonly record struct BufferRegion(VulkanAllocation Allocation, ulong Offset, ulong Bytes);

/// <summary>
/// One buffer a recorded command binds, and whether it may write it (which decides the barriers).
/// Barriers are decided per allocation, so two views of one allocation count as the same buffer: a
/// barrier too many at worst, never one too few.
/// </summary>
internal readonly record struct BufferAccess(BufferRegion Region, bool Writes)
{
    public VulkanAllocation Allocation => Region.Allocation;

    public static BufferAccess Read(BufferRegion region) => new(region, false);

    public static BufferAccess Write(BufferRegion region) => new(region, true);
}
