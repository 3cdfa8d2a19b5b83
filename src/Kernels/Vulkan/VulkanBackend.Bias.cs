namespace Descent.Kernels.Vulkan;

public sealed partial class VulkanBackend
{
    protected override void BiasAddCore(DeviceBuffer<float> y, DeviceBuffer<float> bias, int rows, int cols) =>
        Dispatch(Shader.Named("bias"), GridStride(Forward), [Allocation(y), Allocation(bias)],
            new BiasArguments((uint)rows, (uint)cols, Beta: 0f), shape.GridStrideGroups((long)rows * cols));

    protected override void BiasBackwardCore(DeviceBuffer<float> dY, DeviceBuffer<float> dBias, int rows, int cols, float beta) =>
        Dispatch(Shader.Named("bias"), GridStride(Backward), [Allocation(dBias), Allocation(dY)],
            new BiasArguments((uint)rows, (uint)cols, beta), shape.GridStrideGroups(cols));

    /// <summary>The sizes of y or dY (rows x cols), and the backward's beta (the forward ignores it).</summary>
    [PushConstantsFor("bias")]
    private readonly record struct BiasArguments(uint Rows, uint Cols, float Beta);
}
