namespace Descent.Kernels.Vulkan;

/// <summary>A <see cref="VulkanBackend"/> buffer: one Vulkan storage buffer and its memory.</summary>
internal sealed class VulkanBuffer<T>(VulkanBackend owner, int length, VulkanAllocation allocation)
    : DeviceBuffer<T>(owner, length) where T : unmanaged
{
    private readonly VulkanBackend backend = owner;

    public VulkanAllocation Allocation { get; } = allocation;

    protected override void Release() => backend.Free(Allocation);
}
