using Descent.Engine.Data;
using Descent.Kernels;
using Xunit;

namespace Descent.Tests.Data;

public sealed class ValidationSplitTests
{
    // Image i has every pixel equal to i, so a split's pixels say which images it holds.
    private static readonly ImageDataset Training =
        new(IdxBytes.NumberedPixels(100, 1, 1), Enumerable.Range(0, 100).Select(i => i % 10).ToArray(), 1, 1, classes: 10);

    [Theory]
    [InlineData(0.2, 80, 20)]
    [InlineData(0.5, 50, 50)]
    [InlineData(0.02, 98, 2)]
    public void The_fraction_sets_the_sizes(double fraction, int train, int valid)
    {
        var splits = ValidationSplit.HoldOut(Training, fraction, seed: 1);

        Assert.Equal((train, valid), (splits.Train.Count, splits.Valid.Count));
    }

    [Fact]
    public void Every_image_lands_in_exactly_one_part_in_its_original_order()
    {
        var splits = ValidationSplit.HoldOut(Training, 0.3, seed: 7);

        Assert.Equal(Enumerable.Range(0, 100).Select(i => (byte)i), splits.Train.Pixels.Concat(splits.Valid.Pixels).Order());
        Assert.Equal(splits.Train.Pixels.Order(), splits.Train.Pixels);
        Assert.Equal(splits.Valid.Pixels.Order(), splits.Valid.Pixels);
        Assert.Equal(splits.Valid.Pixels.Select(image => image % 10), splits.Valid.Labels);
    }

    [Fact]
    public void The_same_seed_holds_out_the_same_images_and_another_seed_others()
    {
        var first = ValidationSplit.HoldOut(Training, 0.2, seed: 42);
        var again = ValidationSplit.HoldOut(Training, 0.2, seed: 42);
        var other = ValidationSplit.HoldOut(Training, 0.2, seed: 43);

        Assert.Equal(first.Valid.Pixels, again.Valid.Pixels);
        Assert.NotEqual(first.Valid.Pixels, other.Valid.Pixels);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(1.0)]
    [InlineData(-0.1)]
    [InlineData(1.5)]
    [InlineData(double.NaN)]
    public void A_fraction_outside_0_to_1_is_bad_input(double fraction)
    {
        var problem = Assert.Throws<InvalidInputException>(() => ValidationSplit.HoldOut(Training, fraction, seed: 1));

        Assert.Equal($"the validation fraction must lie strictly between 0 and 1, got {fraction}", problem.Message);
    }

    [Fact]
    public void A_fraction_too_small_to_hold_out_an_image_is_bad_input()
    {
        var problem = Assert.Throws<InvalidInputException>(() => ValidationSplit.HoldOut(Training, 0.001, seed: 1));

        Assert.Equal("a validation fraction of 0.001 of 100 images leaves no images to validate on", problem.Message);
    }
}
