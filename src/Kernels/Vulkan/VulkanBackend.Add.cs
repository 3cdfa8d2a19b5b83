namespace Descent.Kernels.Vulkan;

public sealed partial class VulkanBackend
{
    protected override void AddCore(DeviceBuffer<float> a, DeviceBuffer<float> b, DeviceBuffer<float> y, int count) =>
        Dispatch(Shader.Named("add"), GridStride(), [Allocation(a), Allocation(b), Allocation(y)],
            new AddArguments((uint)count), shape.GridStrideGroups(count));

    [PushConstantsFor("add")]
    private readonly record struct AddArguments(uint Count);
}
