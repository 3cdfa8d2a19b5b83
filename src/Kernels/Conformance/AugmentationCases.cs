using Descent.Kernels.Reference;

namespace Descent.Kernels.Conformance;

/// <summary>
/// The augmented batch gather against the reference: crop offsets and flips as drawn, zero and reflect padding, flip alone,
/// per-channel normalisation after augmentation, multi-channel images, several items with some outside the dataset, other
/// keys; the draw itself bit for bit (pixels gathered unscaled are whole numbers every backend writes exactly, so any
/// backend that drew another crop or flip than <see cref="AugmentationDraw"/> shows); and the same key giving the same bits twice.
/// </summary>
internal static class AugmentationCases
{
    private const int Items = 12;
    private const int Classes = 10;

    // CIFAR-10's per-channel mean and standard deviation of pixels scaled to 0..1: x' = (b / 255 - mean) / std.
    private static readonly float[] ColourScales = [1f / (255f * 0.247f), 1f / (255f * 0.243f), 1f / (255f * 0.261f)];
    private static readonly float[] ColourShifts = [-0.4914f / 0.247f, -0.4822f / 0.243f, -0.4465f / 0.261f];

    public static IEnumerable<ConformanceCase> Create()
    {
        var key = new AugmentationKey(42, 0);
        yield return Gather("augment crop2 zero 1x5x6 count 8", new(1, 5, 6), new(2, CropPadding.Zero, false), key, 0, 8, [1f / 255f], [0f]);
        yield return Gather("augment crop2 reflect 1x5x6 count 8", new(1, 5, 6), new(2, CropPadding.Reflect, false), key, 0, 8,
            [1f / 255f], [0f]);
        yield return Gather("augment flip 2x4x5 count 10", new(2, 4, 5), new(0, CropPadding.Zero, true), key, 1, 10, [0.5f, 2f], [-1f, 3f]);
        yield return Gather("augment crop4 zero flip 3x9x10 per channel", new(3, 9, 10), new(4, CropPadding.Zero, true),
            new AugmentationKey(7, 3), 2, 9, ColourScales, ColourShifts);
        yield return Gather("augment crop3 reflect flip 3x8x7 per channel", new(3, 8, 7), new(3, CropPadding.Reflect, true),
            new AugmentationKey(0xDEADBEEF, 11), 0, Items, ColourScales, ColourShifts);
        yield return Gather("augment items out of range", new(2, 6, 6), new(1, CropPadding.Reflect, true), key, 3, 6, [1f / 255f, 1f / 255f],
            [0f, 0f], outOfRange: true);
        yield return Gather("augment padding 0 no flip is the plain gather", new(3, 4, 4), new(0, CropPadding.Zero, false), key, 0, 5,
            ColourScales, ColourShifts);
        yield return Draws("augment draws bit for bit, zero", new(3, 7, 9), new(3, CropPadding.Zero, true), new AugmentationKey(5, 2));
        yield return Draws("augment draws bit for bit, reflect", new(1, 9, 7), new(4, CropPadding.Reflect, true), new AugmentationKey(9, 40));
        yield return Twice("augment same key twice, same bits", new(3, 8, 8), new(4, CropPadding.Reflect, true), new AugmentationKey(3, 1));
    }

    /// <summary>An image's channels, height and width.</summary>
    private readonly record struct Image(int Channels, int Height, int Width)
    {
        public int Features => Channels * Height * Width;
    }

    /// <summary>
    /// Gathers <paramref name="count"/> items from <paramref name="start"/> of a permuted order, normalised by the given per-channel
    /// scales and shifts, and compares with the reference. The inputs start as NaN so that an element the backend fails to write
    /// shows; with <paramref name="outOfRange"/> two entries point outside the dataset.
    /// </summary>
    private static ConformanceCase Gather(string name, Image image, ImageAugmentation augmentation, AugmentationKey key, int start,
        int count, float[] scales, float[] shifts, bool outOfRange = false) =>
        new(name, nameof(ComputeBackend.GatherBatchAugmented), backend =>
        {
            var (pixels, labels, order) = Dataset(image);
            if (outOfRange)
            {
                order[start + 1] = -1;
                order[start + count - 1] = Items;
            }
            var (inputs, batchLabels) = OnBackend(backend, image, augmentation, key, pixels, labels, order, start, count, scales, shifts);

            var expectedInputs = new double[count * image.Features];
            var expectedLabels = new int[count];
            ReferenceMath.GatherBatchAugmented(expectedInputs, expectedLabels, pixels, labels, order, start, count, image.Channels,
                image.Height, image.Width, Precision.Widen(scales), Precision.Widen(shifts), augmentation, key);
            var comparison = new Comparison();
            comparison.Close("inputs", inputs, expectedInputs, Tolerances.Elementwise);
            comparison.Exact("batch labels", batchLabels, expectedLabels);
            return comparison.Result(name);
        });

    /// <summary>Every item of the dataset gathered unscaled (scale 1, shift 0): the pixels are whole numbers, equal bit for bit to the reference's.</summary>
    private static ConformanceCase Draws(string name, Image image, ImageAugmentation augmentation, AugmentationKey key) =>
        new(name, nameof(ComputeBackend.GatherBatchAugmented), backend =>
        {
            var (pixels, labels, order) = Dataset(image);
            var ones = Enumerable.Repeat(1f, image.Channels).ToArray();
            var zeros = new float[image.Channels];
            var (inputs, _) = OnBackend(backend, image, augmentation, key, pixels, labels, order, 0, Items, ones, zeros);

            var expected = new double[Items * image.Features];
            ReferenceMath.GatherBatchAugmented(expected, new int[Items], pixels, labels, order, 0, Items, image.Channels, image.Height,
                image.Width, Precision.Widen(ones), Precision.Widen(zeros), augmentation, key);
            var comparison = new Comparison();
            comparison.Exact("inputs", inputs, Precision.Narrow(expected));
            return comparison.Result(name);
        });

    /// <summary>The same gather with the same key, twice: identical bits.</summary>
    private static ConformanceCase Twice(string name, Image image, ImageAugmentation augmentation, AugmentationKey key) =>
        new(name, nameof(ComputeBackend.GatherBatchAugmented), backend =>
        {
            var (pixels, labels, order) = Dataset(image);
            var (first, _) = OnBackend(backend, image, augmentation, key, pixels, labels, order, 0, Items, ColourScales, ColourShifts);
            var (second, _) = OnBackend(backend, image, augmentation, key, pixels, labels, order, 0, Items, ColourScales, ColourShifts);
            var comparison = new Comparison();
            comparison.Exact("inputs", second, first);
            return comparison.Result(name);
        });

    private static (byte[] Pixels, int[] Labels, int[] Order) Dataset(Image image)
    {
        var random = SeededInputs.NewGenerator();
        return (SeededInputs.Bytes(random, Items * image.Features), SeededInputs.Integers(random, Items, 0, Classes),
            SeededInputs.Permutation(random, Items));
    }

    private static (float[] Inputs, int[] BatchLabels) OnBackend(ComputeBackend backend, Image image, ImageAugmentation augmentation,
        AugmentationKey key, byte[] pixels, int[] labels, int[] order, int start, int count, float[] scales, float[] shifts)
    {
        using var scope = new BufferScope(backend);
        var inputs = scope.Upload(SeededInputs.Repeat(float.NaN, count * image.Features));
        var batchLabels = scope.Allocate<int>(count);
        backend.GatherBatchAugmented(scope.Upload(pixels), scope.Upload(labels), scope.Upload(order), start, count, image.Channels,
            image.Height, image.Width, scope.Upload<float>([.. scales, .. shifts]), augmentation, key, inputs, batchLabels);
        return (scope.Download(inputs), scope.Download(batchLabels));
    }
}
