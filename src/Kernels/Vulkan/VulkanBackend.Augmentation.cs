namespace Descent.Kernels.Vulkan;

public sealed partial class VulkanBackend
{
    protected override void GatherBatchAugmentedCore(DeviceBuffer<byte> pixels, DeviceBuffer<int> labels, DeviceBuffer<int> order,
        int start, int count, int channels, int height, int width, DeviceBuffer<float> channelScaleShift, ImageAugmentation augmentation,
        AugmentationKey key, DeviceBuffer<float> inputs, DeviceBuffer<int> batchLabels)
    {
        var features = channels * height * width;
        Dispatch(Shader.Named("gather_batch_augmented"), GridStride(),
            [Allocation(pixels), Allocation(labels), Allocation(order), Allocation(channelScaleShift), Allocation(inputs), Allocation(batchLabels)],
            new GatherBatchAugmentedArguments((uint)start, (uint)count, Items: pixels.Length / features, (uint)channels, (uint)height,
                (uint)width, Padding: augmentation.Padding, Reflect: augmentation.PaddingMode == CropPadding.Reflect ? 1u : 0u,
                Flip: augmentation.HorizontalFlip ? 1u : 0u, key.Seed, key.Epoch),
            shape.GridStrideGroups((long)count * features));
    }

    [PushConstantsFor("gather_batch_augmented")]
    private readonly record struct GatherBatchAugmentedArguments(uint Start, uint Count, int Items, uint Channels, uint Height, uint Width,
        int Padding, uint Reflect, uint Flip, uint Seed, uint Epoch);
}
