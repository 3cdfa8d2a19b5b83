using ILGPU;
using ILGPU.Runtime;

namespace Descent.Kernels.Ilgpu;

// The training batch's augmented gather: crop after padding and flip, drawn per item by AugmentationDraw.
public sealed partial class IlgpuBackend
{
    private Action<Index1D, ArrayView<byte>, ArrayView<int>, ArrayView<int>, ArrayView<float>, ArrayView<float>, ArrayView<int>,
        AugmentedGatherShape, int, int>? launchGatherBatchAugmented;

    protected override void GatherBatchAugmentedCore(DeviceBuffer<byte> pixels, DeviceBuffer<int> labels, DeviceBuffer<int> order,
        int start, int count, int channels, int height, int width, DeviceBuffer<float> channelScaleShift, ImageAugmentation augmentation,
        AugmentationKey key, DeviceBuffer<float> inputs, DeviceBuffer<int> batchLabels)
    {
        launchGatherBatchAugmented ??= accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<byte>, ArrayView<int>, ArrayView<int>,
            ArrayView<float>, ArrayView<float>, ArrayView<int>, AugmentedGatherShape, int, int>(GatherBatchAugmentedKernel);
        var features = channels * height * width;
        var threads = Threads((long)count * features);
        Launches++;
        var shape = new AugmentedGatherShape(start, count, pixels.Length / features, channels, height, width, augmentation.Padding,
            augmentation.PaddingMode == CropPadding.Reflect ? 1 : 0, augmentation.HorizontalFlip ? 1 : 0, key.Seed, key.Epoch);
        launchGatherBatchAugmented(threads, View(pixels), View(labels), View(order), View(channelScaleShift), View(inputs),
            View(batchLabels), shape, features, threads);
    }

    /// <summary>
    /// Gathers a batch of images (C,H,W) as bytes, each augmented by its own draw: for output element (i, c, y, x),
    /// item = order[start + i]; word = <see cref="AugmentationDraw.Word"/>(item, seed, epoch); x' = flip ? W - 1 - x : x;
    /// the pixel read is the image's (c, y + dy - P, x' + dx - P), outside the image 0 or its reflection;
    /// inputs[i, (c,y,x)] = pixel * scale[c] + shift[c]; batchLabels[i] = labels[item]; an item outside the dataset gives zeros
    /// and label -1. Threads walk the input elements; each redraws its item's word, which costs less than a launch to share it.
    /// </summary>
    [IlgpuKernel]
    internal static void GatherBatchAugmentedKernel(Index1D index, ArrayView<byte> pixels, ArrayView<int> labels, ArrayView<int> order,
        ArrayView<float> scaleShift, ArrayView<float> inputs, ArrayView<int> batchLabels, AugmentedGatherShape shape, int features,
        int stride)
    {
        long elements = (long)shape.Count * features;
        var planeSize = shape.Height * shape.Width;
        var reflect = shape.Reflect != 0;
        for (long i = index; i < elements; i += stride)
        {
            // i < count * features, which fits an int because the inputs buffer holds it.
            var element = (int)i;
            var row = element / features;
            var feature = element % features;
            var channel = feature / planeSize;
            var y = feature % planeSize / shape.Width;
            var x = feature % shape.Width;
            var item = order[shape.Start + row];
            var inDataset = item >= 0 && item < shape.Items;
            // Never index with a bad item, not even in a branch the compiler might turn into a select.
            var safeItem = inDataset ? item : 0;
            var word = AugmentationDraw.Word((uint)safeItem, shape.Seed, shape.Epoch);
            var flip = shape.Flip != 0 && AugmentationDraw.Flips(word);
            var sourceRow = AugmentationDraw.SourceCoordinate(y + AugmentationDraw.RowShift(word, shape.Padding) - shape.Padding,
                shape.Height, reflect);
            var sourceColumn = AugmentationDraw.SourceCoordinate(
                (flip ? shape.Width - 1 - x : x) + AugmentationDraw.ColumnShift(word, shape.Padding) - shape.Padding, shape.Width, reflect);
            var inImage = sourceRow >= 0 && sourceColumn >= 0;
            var pixel = inImage ? pixels[safeItem * features + (channel * shape.Height + sourceRow) * shape.Width + sourceColumn] : (byte)0;
            inputs[element] = inDataset ? pixel * scaleShift[channel] + scaleShift[shape.Channels + channel] : 0f;
            if (feature == 0)
            {
                batchLabels[row] = inDataset ? labels[safeItem] : -1;
            }
        }
    }
}

/// <summary>The augmented gather's sizes and draw, one kernel argument: ILGPU takes a struct of ints where a dozen scalars would crowd the launcher.</summary>
internal readonly record struct AugmentedGatherShape(int Start, int Count, int Items, int Channels, int Height, int Width, int Padding,
    int Reflect, int Flip, uint Seed, uint Epoch);
