namespace Descent.Kernels;

/// <summary>The training batch's gather with its augmentation: random crop after padding and horizontal flip, drawn on the device.</summary>
public abstract partial class ComputeBackend
{
    /// <summary>
    /// <see cref="GatherBatch"/> with each item augmented as it is gathered. Items are images (C,H,W) of
    /// features = C * H * W bytes. For row i: item = order[start + i]; word = <see cref="AugmentationDraw.Word"/>(item, key);
    /// dy, dx = the drawn crop shifts (0 without padding P); flip = augmentation.HorizontalFlip and the drawn bit;
    /// x' = flip ? W - 1 - x : x; the pixel read for output (c, y, x) is the image's (c, y + dy - P, x' + dx - P), where a
    /// coordinate outside the image reads 0 (zero padding) or its reflection; inputs[i, (c,y,x)] = pixel * scale[c] + shift[c];
    /// batchLabels[i] = labels[item]. An item outside the dataset gives zeros and label -1. The padding must be below H and W.
    /// A separate op, not options on <see cref="GatherBatch"/>: evaluation's gather stays the plain copy it is (vectorised on the
    /// CPU), and each has its own conformance cases.
    /// </summary>
    [BackendOp]
    public void GatherBatchAugmented(DeviceBuffer<byte> pixels, DeviceBuffer<int> labels, DeviceBuffer<int> order, int start, int count,
        int channels, int height, int width, DeviceBuffer<float> channelScaleShift, ImageAugmentation augmentation, AugmentationKey key,
        DeviceBuffer<float> inputs, DeviceBuffer<int> batchLabels)
    {
        CheckPositive(height, "height");
        CheckPositive(width, "width");
        CheckPositive(channels, "channels");
        var features = (long)channels * height * width;
        if (features > int.MaxValue)
        {
            throw new InvalidInputException($"an image of {channels}x{height}x{width} has too many features for one buffer row");
        }
        if (augmentation.Padding < 0 || augmentation.Padding >= Math.Min(height, width) || augmentation.Padding > AugmentationDraw.MaxPadding)
        {
            throw new InvalidInputException(
                $"a crop's padding must be 0 up to less than the image's {height}x{width} size, got {augmentation.Padding}");
        }
        if (!Enum.IsDefined(augmentation.PaddingMode))
        {
            throw new InvalidInputException($"unknown crop padding {augmentation.PaddingMode}");
        }
        CheckGather(pixels, labels, order, start, count, (int)features, channelScaleShift, channels, inputs, batchLabels);
        GatherBatchAugmentedCore(pixels, labels, order, start, count, channels, height, width, channelScaleShift, augmentation, key,
            inputs, batchLabels);
    }

    // ---------------------------------------------------------------- implementation hooks

    protected abstract void GatherBatchAugmentedCore(DeviceBuffer<byte> pixels, DeviceBuffer<int> labels, DeviceBuffer<int> order,
        int start, int count, int channels, int height, int width, DeviceBuffer<float> channelScaleShift, ImageAugmentation augmentation,
        AugmentationKey key, DeviceBuffer<float> inputs, DeviceBuffer<int> batchLabels);
}
