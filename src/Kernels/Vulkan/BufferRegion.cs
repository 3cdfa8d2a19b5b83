namespace Descent.Kernels.Vulkan;

/// <summary>
/// The bytes of one allocation that a buffer covers: all of it, or a view's part from
/// <see cref="Offset"/> (a multiple of minStorageBufferOffsetAlignment, which the view's alignment ensures).
/// Barriers are decided per allocation, so two views of one allocation count as the same buffer: a
/// barrier too many at worst, never one too few.
/// </summary>
internal readonly record struct BufferRegion(VulkanAllocation Allocation, ulong Offset, ulong Bytes);
