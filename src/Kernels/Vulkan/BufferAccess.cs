namespace Descent.Kernels.Vulkan;

/// <summary>One buffer a recorded command binds, and whether it may write it (which decides the barriers).</summary>
internal readonly record struct BufferAccess(VulkanAllocation Allocation, bool Writes)
{
    public static BufferAccess Read(VulkanAllocation allocation) => new(allocation, false);

    public static BufferAccess Write(VulkanAllocation allocation) => new(allocation, true);
}
