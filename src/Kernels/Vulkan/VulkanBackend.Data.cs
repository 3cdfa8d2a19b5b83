namespace Descent.Kernels.Vulkan;

public sealed partial class VulkanBackend
{
    protected override void GatherBatchCore(DeviceBuffer<byte> pixels, DeviceBuffer<int> labels, DeviceBuffer<int> order,
        int start, int count, int features, DeviceBuffer<float> channelScaleShift, int channels, int planeSize,
        DeviceBuffer<float> inputs, DeviceBuffer<int> batchLabels) =>
        Dispatch(Shader.Named("gather_batch"), GridStride(),
            [Allocation(pixels), Allocation(labels), Allocation(order), Allocation(channelScaleShift), Allocation(inputs), Allocation(batchLabels)],
            new GatherBatchArguments((uint)start, (uint)count, (uint)features, Items: pixels.Length / features, (uint)channels, (uint)planeSize),
            shape.GridStrideGroups((long)count * features));

    [PushConstantsFor("gather_batch")]
    private readonly record struct GatherBatchArguments(uint Start, uint Count, uint Features, int Items, uint Channels, uint PlaneSize);
}
