namespace Descent.Kernels.Vulkan;

public sealed partial class VulkanBackend
{
    protected override void SoftmaxForwardCore(DeviceBuffer<float> x, DeviceBuffer<float> y, int rows, int cols)
    {
        var input = Allocation(x);
        Dispatch(Shader.Named("softmax"), GridStride(Forward), [input, input, Allocation(y)],
            new SoftmaxArguments((uint)rows, (uint)cols), shape.GridStrideGroups(rows));
    }

    protected override void SoftmaxBackwardCore(DeviceBuffer<float> dY, DeviceBuffer<float> y, DeviceBuffer<float> dX, int rows,
        int cols) =>
        Dispatch(Shader.Named("softmax"), GridStride(Backward), [Allocation(dY), Allocation(y), Allocation(dX)],
            new SoftmaxArguments((uint)rows, (uint)cols), shape.GridStrideGroups(rows));

    [PushConstantsFor("softmax")]
    private readonly record struct SoftmaxArguments(uint Rows, uint Cols);
}
