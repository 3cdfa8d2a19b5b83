namespace Descent.Kernels.Vulkan;

public sealed partial class VulkanBackend
{
    protected override void FillCore(DeviceBuffer<float> buffer, float value, int offset, int count) =>
        Dispatch(Shader.Named("fill"), GridStride(), [Allocation(buffer)],
            new FillArguments(value, (uint)offset, (uint)count), shape.GridStrideGroups(count));

    [PushConstantsFor("fill")]
    private readonly record struct FillArguments(float Value, uint Offset, uint Count);
}
