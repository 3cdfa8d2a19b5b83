using Descent.Engine.Data;

namespace Descent.Tests.Data;

/// <summary>
/// Real Fashion-MNIST for tests, obtained once per test run through the cache and its default sources
/// (the mirrors, then Debian's dataset-fashion-mnist folder). Where it cannot be obtained, a test that
/// asks for it is skipped with the reason, except on CI (CI=true), where it fails.
/// Call from a [SkippableFact] or [SkippableTheory].
/// </summary>
public static class FashionMnistFixture
{
    private static readonly Lazy<Task<Loaded>> Data = new(LoadAsync);

    /// <summary>60000 training images, the 10000 test images as validation.</summary>
    public static async Task<DatasetSplits> SplitsAsync() => (await RequireAsync()).Splits;

    /// <summary>The cache holding the four verified files.</summary>
    public static async Task<IdxCache> CacheAsync() => (await RequireAsync()).Cache;

    private static Task<Loaded> RequireAsync() => RequiredData.ObtainAsync(DatasetFamily.FashionMnist, () => Data.Value);

    private static async Task<Loaded> LoadAsync()
    {
        var cache = new IdxCache(DatasetFamily.FashionMnist, DataLocation.DefaultCacheRoot());
        return new Loaded(await DatasetLoader.LoadAsync(DatasetName.FashionMnist, DataLocation.InCache(cache)), cache);
    }

    private sealed record Loaded(DatasetSplits Splits, IdxCache Cache);
}
