using System.Runtime.CompilerServices;

namespace Descent.Kernels.Cpu;

public sealed unsafe partial class CpuBackend
{
    protected override void GatherBatchAugmentedCore(DeviceBuffer<byte> pixels, DeviceBuffer<int> labels, DeviceBuffer<int> order,
        int start, int count, int channels, int height, int width, DeviceBuffer<float> channelScaleShift, ImageAugmentation augmentation,
        AugmentationKey key, DeviceBuffer<float> inputs, DeviceBuffer<int> batchLabels)
    {
        var features = channels * height * width;
        pool.Run(new AugmentedGatherKernel(Pointer(pixels), Pointer(labels), Pointer(order), start, pixels.Length / features,
            Pointer(channelScaleShift), channels, height, width, augmentation, key, Pointer(inputs), Pointer(batchLabels)),
            count, 1, Math.Max(1, SerialElementsBelow / features));
    }
}

/// <summary>
/// Gathers a batch of images (C,H,W) as bytes, each cropped from its padded self at its drawn shifts and mirrored when it
/// draws a flip (<see cref="AugmentationDraw"/>), then normalised per channel; rows are batch rows. The draw is made once
/// per row and the source row once per output row; a padded row is the normalised zero throughout.
/// </summary>
internal unsafe struct AugmentedGatherKernel(byte* pixels, int* labels, int* order, int start, int items, float* scaleShift,
    int channels, int height, int width, ImageAugmentation augmentation, AugmentationKey key, float* inputs, int* batchLabels) : IRangeKernel
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public readonly void Execute(int first, int end)
    {
        var features = channels * height * width;
        var padding = augmentation.Padding;
        var reflect = augmentation.PaddingMode == CropPadding.Reflect;
        for (var row = first; row < end; row++)
        {
            var item = order[start + row];
            var destination = inputs + (long)row * features;
            if (item < 0 || item >= items)
            {
                new Span<float>(destination, features).Clear();
                batchLabels[row] = -1;
                continue;
            }
            var word = AugmentationDraw.Word((uint)item, key.Seed, key.Epoch);
            var rowShift = AugmentationDraw.RowShift(word, padding) - padding;
            var columnShift = AugmentationDraw.ColumnShift(word, padding) - padding;
            var flip = augmentation.HorizontalFlip && AugmentationDraw.Flips(word);
            var source = pixels + (long)item * features;
            for (var channel = 0; channel < channels; channel++)
            {
                var scale = scaleShift[channel];
                var shift = scaleShift[channels + channel];
                for (var y = 0; y < height; y++)
                {
                    var output = destination + (channel * height + y) * width;
                    var sourceRow = AugmentationDraw.SourceCoordinate(y + rowShift, height, reflect);
                    if (sourceRow < 0)
                    {
                        // A padded row: pixel value 0, normalised.
                        new Span<float>(output, width).Fill(shift);
                        continue;
                    }
                    var input = source + (channel * height + sourceRow) * width;
                    for (var x = 0; x < width; x++)
                    {
                        var column = AugmentationDraw.SourceCoordinate((flip ? width - 1 - x : x) + columnShift, width, reflect);
                        output[x] = (column < 0 ? 0 : input[column]) * scale + shift;
                    }
                }
            }
            batchLabels[row] = labels[item];
        }
    }
}
