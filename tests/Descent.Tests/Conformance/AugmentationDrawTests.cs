using Descent.Kernels;
using Descent.Kernels.Reference;
using Xunit;

namespace Descent.Tests.Conformance;

/// <summary>
/// The augmentation's draw and its reference, by hand: a crop and flip worked out on paper, torchvision's padding, and
/// draws that cover every shift and flip about half the items, independently of each other.
/// </summary>
public sealed class AugmentationDrawTests
{
    private static readonly byte[] Picture = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]; // 1x3x4

    [Theory]
    [InlineData(CropPadding.Zero, new double[] { 0, 0, 0, 0, 0, 4, 3, 2, 0, 8, 7, 6 })]
    // Reflect pads row [1 2 3 4] to [2 1 2 3 4 3] as torch.nn.functional.pad(mode="reflect") does.
    [InlineData(CropPadding.Reflect, new double[] { 7, 8, 7, 6, 3, 4, 3, 2, 7, 8, 7, 6 })]
    public void The_reference_crops_the_padded_picture_at_the_drawn_shifts_then_mirrors_it(CropPadding mode, double[] expected)
    {
        var key = new AugmentationKey(1, 0);
        // An item whose draw is a window at padded row 0 and column 2, mirrored: rows -1..1 and columns 1..4 of the picture.
        var item = Enumerable.Range(0, 10_000).First(candidate =>
        {
            var word = AugmentationDraw.Word((uint)candidate, key.Seed, key.Epoch);
            return AugmentationDraw.RowShift(word, 1) == 0 && AugmentationDraw.ColumnShift(word, 1) == 2 && AugmentationDraw.Flips(word);
        });
        var pixels = Enumerable.Repeat(Picture, item + 1).SelectMany(picture => picture).ToArray();
        var inputs = new double[12];
        var labels = new int[1];

        ReferenceMath.GatherBatchAugmented(inputs, labels, pixels, new int[item + 1], [item], 0, 1, 1, 3, 4, [1], [0],
            new ImageAugmentation(1, mode, HorizontalFlip: true), key);

        Assert.Equal(expected, inputs);
    }

    [Fact]
    public void A_zero_padded_pixel_is_value_0_normalised()
    {
        var inputs = new double[12];
        var key = new AugmentationKey(1, 0);
        var item = Enumerable.Range(0, 10_000).First(candidate =>
            AugmentationDraw.RowShift(AugmentationDraw.Word((uint)candidate, key.Seed, key.Epoch), 1) == 0);
        var pixels = Enumerable.Repeat(Picture, item + 1).SelectMany(picture => picture).ToArray();

        ReferenceMath.GatherBatchAugmented(inputs, new int[1], pixels, new int[item + 1], [item], 0, 1, 1, 3, 4, [0.5], [-3],
            new ImageAugmentation(1, CropPadding.Zero, HorizontalFlip: false), key);

        // The window's top row is the padding above the picture.
        Assert.Equal([-3, -3, -3, -3], inputs[..4]);
    }

    [Fact]
    public void Draws_cover_every_shift_evenly_and_flip_about_half_the_items_independently()
    {
        const int padding = 4;
        const int items = 18_000;
        var rows = new int[2 * padding + 1];
        var columns = new int[2 * padding + 1];
        var flips = 0;
        var sameShifts = 0;
        for (var item = 0u; item < items; item++)
        {
            var word = AugmentationDraw.Word(item, 42, 3);
            var (row, column) = (AugmentationDraw.RowShift(word, padding), AugmentationDraw.ColumnShift(word, padding));
            rows[row]++;
            columns[column]++;
            flips += AugmentationDraw.Flips(word) ? 1 : 0;
            sameShifts += row == column ? 1 : 0;
        }

        Assert.All(rows, count => Assert.InRange(count, 1800, 2200));
        Assert.All(columns, count => Assert.InRange(count, 1800, 2200));
        Assert.InRange(flips, 8500, 9500);
        // Independent axes agree one time in nine.
        Assert.InRange(sameShifts, 1700, 2300);
        // Another epoch draws afresh.
        Assert.NotEqual(AugmentationDraw.Word(7, 42, 3), AugmentationDraw.Word(7, 42, 4));
    }
}
