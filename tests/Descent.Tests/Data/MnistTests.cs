using Descent.Engine.Data;
using Xunit;

namespace Descent.Tests.Data;

/// <summary>The real MNIST, as the cache delivers it, against the figures published for it (platform.md, lesson.md).</summary>
public sealed class MnistTests
{
    [SkippableFact]
    public async Task Full_MNIST_has_60000_training_and_10000_test_images_of_28_by_28()
    {
        var digits = await MnistFixture.DigitsAsync();

        Assert.Equal((60000, 10000), (digits.Train.Count, digits.Valid.Count));
        Assert.Equal((28, 28, 784, 10), (digits.Train.ImageRows, digits.Train.ImageCols, digits.Train.Features, digits.Train.Classes));
        Assert.Equal(60000 * 784, digits.Train.Pixels.Length);
    }

    [SkippableFact]
    public async Task The_training_sets_mean_and_std_are_pytorchs_0_1307_and_0_3081_in_any_order()
    {
        var train = (await MnistFixture.DigitsAsync()).Train;

        var measured = Descent.Engine.Training.InputNormalization.Measure(train, channels: 1);
        var reversed = train.Subset(Enumerable.Range(0, train.Count).Reverse().ToArray(), label => label, train.Classes);

        Assert.Equal(0.1307, Assert.Single(measured.Mean), 4);
        Assert.Equal(0.3081, Assert.Single(measured.Std), 4);
        Assert.Equal(measured, Descent.Engine.Training.InputNormalization.Measure(reversed, channels: 1));
    }

    [SkippableFact]
    public async Task The_first_training_labels_are_the_published_ones()
    {
        var digits = await MnistFixture.DigitsAsync();

        Assert.Equal([5, 0, 4, 1, 9, 2, 1, 3, 1, 4], digits.Train.Labels[..10]);
    }

    [SkippableFact]
    public async Task The_training_class_counts_are_the_published_ones()
    {
        var digits = await MnistFixture.DigitsAsync();

        var counts = Enumerable.Range(0, 10).Select(digit => digits.Train.Labels.Count(label => label == digit));

        Assert.Equal([5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949], counts);
    }

    [SkippableFact]
    public async Task The_3_vs_7_set_matches_the_lesson()
    {
        var set = await MnistFixture.ThreesAndSevensAsync();

        Assert.Equal((12396, 6131), (set.Train.Count, set.Train.Labels.Count(label => label == 1)));
        Assert.Equal((2038, 1010), (set.Valid.Count, set.Valid.Labels.Count(label => label == 1)));
        Assert.Equal(2, set.Train.Classes);
    }

    [SkippableFact]
    public async Task Loading_mnist_3_7_by_name_gives_the_same_set()
    {
        var expected = await MnistFixture.ThreesAndSevensAsync();
        var cache = await MnistFixture.CacheAsync();

        var loaded = await DatasetLoader.LoadAsync(DatasetName.MnistThreesAndSevens, DataLocation.InCache(cache));

        Assert.Equal(expected.Train.Labels, loaded.Train.Labels);
        Assert.Equal(expected.Valid.Pixels, loaded.Valid.Pixels);
    }

    [SkippableFact]
    public async Task A_valid_split_of_the_3_vs_7_training_set_has_the_expected_sizes()
    {
        var set = await MnistFixture.ThreesAndSevensAsync();

        var splits = ValidationSplit.HoldOut(set.Train, 0.2, seed: 42);

        Assert.Equal((9917, 2479), (splits.Train.Count, splits.Valid.Count));
    }

    [SkippableFact]
    public async Task The_cache_verifies_every_file()
    {
        var cache = await MnistFixture.CacheAsync();

        Assert.All(cache.Verify(), status => Assert.Equal(CachedFileState.Ok, status.State));
    }
}
