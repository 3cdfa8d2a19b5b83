using Descent.Engine.Data;
using Xunit;

namespace Descent.Tests.Data;

/// <summary>The real Fashion-MNIST, as the cache delivers it, against the figures Zalando publishes for it.</summary>
public sealed class FashionMnistTests
{
    [SkippableFact]
    public async Task Fashion_MNIST_has_60000_training_and_10000_test_images_of_28_by_28()
    {
        var splits = await FashionMnistFixture.SplitsAsync();

        Assert.Equal((60000, 10000), (splits.Train.Count, splits.Valid.Count));
        Assert.Equal((28, 28, 10), (splits.Train.ImageRows, splits.Train.ImageCols, splits.Train.Classes));
    }

    [SkippableFact]
    public async Task Every_kind_has_6000_training_and_1000_test_images()
    {
        var splits = await FashionMnistFixture.SplitsAsync();

        Assert.All(Enumerable.Range(0, 10), label => Assert.Equal(6000, splits.Train.Labels.Count(l => l == label)));
        Assert.All(Enumerable.Range(0, 10), label => Assert.Equal(1000, splits.Valid.Labels.Count(l => l == label)));
    }

    [SkippableFact]
    public async Task The_cache_verifies_every_file_in_its_own_folder()
    {
        var cache = await FashionMnistFixture.CacheAsync();

        Assert.Equal("fashion-mnist", Path.GetFileName(cache.Folder));
        Assert.All(cache.Verify(), status => Assert.Equal(CachedFileState.Ok, status.State));
    }
}
