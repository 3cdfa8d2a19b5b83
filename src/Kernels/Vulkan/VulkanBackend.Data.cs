namespace Descent.Kernels.Vulkan;

public sealed partial class VulkanBackend
{
    protected override void GatherBatchCore(DeviceBuffer<byte> pixels, DeviceBuffer<int> labels, DeviceBuffer<int> order,
        int start, int count, int features, float scale, float shift, DeviceBuffer<float> inputs, DeviceBuffer<int> batchLabels) =>
        Dispatch(Shader.Named("gather_batch"), GridStride(),
            [Allocation(pixels), Allocation(labels), Allocation(order), Allocation(inputs), Allocation(batchLabels)],
            new GatherBatchArguments((uint)start, (uint)count, (uint)features, Items: pixels.Length / features, scale, shift),
            shape.GridStrideGroups((long)count * features));

    [PushConstantsFor("gather_batch")]
    private readonly record struct GatherBatchArguments(uint Start, uint Count, uint Features, int Items, float Scale, float Shift);
}
