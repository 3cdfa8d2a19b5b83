using static Descent.Kernels.Vulkan.BufferAccess;

namespace Descent.Kernels.Vulkan;

public sealed partial class VulkanBackend
{
    protected override void SoftmaxForwardCore(DeviceBuffer<float> x, DeviceBuffer<float> y, int rows, int cols)
    {
        var output = Allocation(y);
        Dispatch(Shader.Named("softmax"), GridStride(Forward), [Read(Allocation(x)), Write(output), Write(output)],
            new SoftmaxArguments((uint)rows, (uint)cols), shape.GridStrideGroups(rows));
    }

    protected override void SoftmaxBackwardCore(DeviceBuffer<float> dY, DeviceBuffer<float> y, DeviceBuffer<float> dX, int rows,
        int cols) =>
        Dispatch(Shader.Named("softmax"), GridStride(Backward), [Read(Allocation(dY)), Read(Allocation(y)), Write(Allocation(dX))],
            new SoftmaxArguments((uint)rows, (uint)cols), shape.GridStrideGroups(rows));

    [PushConstantsFor("softmax")]
    private readonly record struct SoftmaxArguments(uint Rows, uint Cols);
}
