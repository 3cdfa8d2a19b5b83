using static Descent.Kernels.Vulkan.BufferAccess;

namespace Descent.Kernels.Vulkan;

public sealed partial class VulkanBackend
{
    protected override void ActivationForwardCore(Activation activation, DeviceBuffer<float> x, DeviceBuffer<float> y, int count)
    {
        var output = Allocation(y);
        Dispatch(Shader.Named("activation"), GridStride(Forward, Code(activation, "activation")),
            [Read(Allocation(x)), Write(output), Write(output)],
            new ActivationArguments((uint)count), shape.GridStrideGroups(count));
    }

    protected override void ActivationBackwardCore(Activation activation, DeviceBuffer<float> dY, DeviceBuffer<float> y,
        DeviceBuffer<float> dX, int count) =>
        Dispatch(Shader.Named("activation"), GridStride(Backward, Code(activation, "activation")),
            [Read(Allocation(dY)), Read(Allocation(y)), Write(Allocation(dX))],
            new ActivationArguments((uint)count), shape.GridStrideGroups(count));

    [PushConstantsFor("activation")]
    private readonly record struct ActivationArguments(uint Count);
}
