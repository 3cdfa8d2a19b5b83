namespace Descent.Kernels.Vulkan;

public sealed partial class VulkanBackend
{
    protected override void ActivationForwardCore(Activation activation, DeviceBuffer<float> x, DeviceBuffer<float> y, int count)
    {
        var input = Allocation(x);
        Dispatch(Shader.Named("activation"), GridStride(Forward, Code(activation, "activation")), [input, input, Allocation(y)],
            new ActivationArguments((uint)count), shape.GridStrideGroups(count));
    }

    protected override void ActivationBackwardCore(Activation activation, DeviceBuffer<float> dY, DeviceBuffer<float> y,
        DeviceBuffer<float> dX, int count) =>
        Dispatch(Shader.Named("activation"), GridStride(Backward, Code(activation, "activation")),
            [Allocation(dY), Allocation(y), Allocation(dX)],
            new ActivationArguments((uint)count), shape.GridStrideGroups(count));

    [PushConstantsFor("activation")]
    private readonly record struct ActivationArguments(uint Count);
}
