namespace Descent.Kernels.Vulkan;

public sealed partial class VulkanBackend
{
    protected override void MaxPool2dForwardCore(DeviceBuffer<float> x, DeviceBuffer<float> y, DeviceBuffer<int> argmax, Pool2dShape shape) =>
        Dispatch(Shader.Named("maxpool_forward"), GridStride(), [Allocation(x), Allocation(y), Allocation(argmax)],
            PoolArguments.For(shape), this.shape.GridStrideGroups(shape.OutputLength));

    protected override void MaxPool2dBackwardCore(DeviceBuffer<float> dY, DeviceBuffer<int> argmax, DeviceBuffer<float> dX, Pool2dShape shape) =>
        Dispatch(Shader.Named("maxpool_backward"), GridStride(), [Allocation(dY), Allocation(argmax), Allocation(dX)],
            PoolArguments.For(shape), this.shape.GridStrideGroups(shape.InputLength));

    protected override void GlobalAvgPool2dForwardCore(DeviceBuffer<float> x, DeviceBuffer<float> y, int planes, int planeLength) =>
        Dispatch(Shader.Named("global_avg_pool"), GridStride(), [Allocation(x), Allocation(y)],
            new GlobalAvgPoolArguments((uint)planes, (uint)planeLength, Backward: 0), shape.GridStrideGroups(planes));

    protected override void GlobalAvgPool2dBackwardCore(DeviceBuffer<float> dY, DeviceBuffer<float> dX, int planes, int planeLength) =>
        Dispatch(Shader.Named("global_avg_pool"), GridStride(), [Allocation(dY), Allocation(dX)],
            new GlobalAvgPoolArguments((uint)planes, (uint)planeLength, Backward: 1), shape.GridStrideGroups((long)planes * planeLength));

    /// <summary>The planes (N*C), each plane's length (H*W), and which direction: 0 forward, 1 backward.</summary>
    [PushConstantsFor("global_avg_pool")]
    private readonly record struct GlobalAvgPoolArguments(uint Planes, uint PlaneLength, uint Backward);

    /// <summary>Pool2dShape as the shaders take it, with Planes = Batch * Channels.</summary>
    [PushConstantsFor("maxpool_forward", "maxpool_backward")]
    private readonly record struct PoolArguments(uint Planes, uint Height, uint Width, uint Kernel, uint Stride, uint OutHeight, uint OutWidth)
    {
        public static PoolArguments For(Pool2dShape pooling) => new((uint)(pooling.Batch * pooling.Channels), (uint)pooling.Height,
            (uint)pooling.Width, (uint)pooling.Kernel, (uint)pooling.Stride, (uint)pooling.OutHeight, (uint)pooling.OutWidth);
    }
}
