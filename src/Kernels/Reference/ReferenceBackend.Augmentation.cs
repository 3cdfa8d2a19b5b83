namespace Descent.Kernels.Reference;

public partial class ReferenceBackend
{
    protected override void GatherBatchAugmentedCore(DeviceBuffer<byte> pixels, DeviceBuffer<int> labels, DeviceBuffer<int> order,
        int start, int count, int channels, int height, int width, DeviceBuffer<float> channelScaleShift, ImageAugmentation augmentation,
        AugmentationKey key, DeviceBuffer<float> inputs, DeviceBuffer<int> batchLabels)
    {
        var features = channels * height * width;
        var inputValues = new double[count * features];
        var labelValues = new int[count];
        var scaleShift = Widen(channelScaleShift, 2 * channels);
        ReferenceMath.GatherBatchAugmented(inputValues, labelValues, HostElements(pixels).ToArray(), HostElements(labels).ToArray(),
            HostElements(order).ToArray(), start, count, channels, height, width, scaleShift[..channels], scaleShift[channels..],
            augmentation, key);
        Store(inputValues, inputs);
        labelValues.CopyTo(HostElements(batchLabels));
    }
}

public static partial class ReferenceMath
{
    // ---------------------------------------------------------------- augmentation

    /// <summary>
    /// Gathers inputs (count,C*H*W) and batchLabels (count) as <see cref="GatherBatch"/> does, each item augmented first: the
    /// image is padded by P on every side (zeros or its reflection), a H x W window is cut at the drawn shifts (dy, dx), and
    /// the window is mirrored left to right when the item draws a flip. Written as torchvision does it, one picture at a time:
    /// build the padded picture, crop it, flip it, then normalise.
    /// </summary>
    public static void GatherBatchAugmented(double[] inputs, int[] batchLabels, byte[] pixels, int[] labels, int[] order,
        int start, int count, int channels, int height, int width, double[] scales, double[] shifts, ImageAugmentation augmentation,
        AugmentationKey key)
    {
        var features = channels * height * width;
        var items = pixels.Length / features;
        var padding = augmentation.Padding;
        var paddedHeight = height + 2 * padding;
        var paddedWidth = width + 2 * padding;
        for (var i = 0; i < count; i++)
        {
            var item = order[start + i];
            if (item < 0 || item >= items)
            {
                Array.Clear(inputs, i * features, features);
                batchLabels[i] = -1;
                continue;
            }
            var word = AugmentationDraw.Word((uint)item, key.Seed, key.Epoch);
            var rowShift = AugmentationDraw.RowShift(word, padding);
            var columnShift = AugmentationDraw.ColumnShift(word, padding);
            var flip = augmentation.HorizontalFlip && AugmentationDraw.Flips(word);
            for (var c = 0; c < channels; c++)
            {
                // The padded picture (C,H+2P,W+2P).
                var padded = new int[paddedHeight, paddedWidth];
                for (var py = 0; py < paddedHeight; py++)
                {
                    for (var px = 0; px < paddedWidth; px++)
                    {
                        var y = Reflected(py - padding, height, augmentation.PaddingMode);
                        var x = Reflected(px - padding, width, augmentation.PaddingMode);
                        padded[py, px] = y is { } row && x is { } column ? pixels[item * features + (c * height + row) * width + column] : 0;
                    }
                }
                for (var y = 0; y < height; y++)
                {
                    for (var x = 0; x < width; x++)
                    {
                        var croppedColumn = flip ? width - 1 - x : x;
                        var pixel = padded[y + rowShift, croppedColumn + columnShift];
                        inputs[i * features + (c * height + y) * width + x] = pixel * scales[c] + shifts[c];
                    }
                }
            }
            batchLabels[i] = labels[item];
        }
    }

    /// <summary>The picture's coordinate a padded one shows: itself inside; outside, its mirror about the edge (reflect) or none (zero).</summary>
    private static int? Reflected(int coordinate, int size, CropPadding mode)
    {
        if (coordinate >= 0 && coordinate < size)
        {
            return coordinate;
        }
        if (mode == CropPadding.Zero)
        {
            return null;
        }
        return coordinate < 0 ? -coordinate : 2 * (size - 1) - coordinate;
    }
}
