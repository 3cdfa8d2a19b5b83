using Descent.Engine.Data;

namespace Descent.Tests.Data;

/// <summary>
/// Real MNIST for tests in any folder, obtained once per test run through the cache and its default
/// sources ($DESCENT_DATA, else ~/.cache/descent). Where MNIST cannot be obtained, a test that asks
/// for it is skipped with the reason, except on CI (CI=true), where it fails: CI must test real data.
/// Call from a [SkippableFact] or [SkippableTheory].
/// </summary>
public static class MnistFixture
{
    private static readonly Lazy<Task<Loaded>> Data = new(LoadAsync);

    /// <summary>Full MNIST: 60000 training images, the 10000 test images as validation.</summary>
    public static async Task<DatasetSplits> DigitsAsync() => (await RequireAsync()).Digits;

    /// <summary>The lesson's 3-vs-7 set: 12396 training images, 2038 validation images.</summary>
    public static async Task<DatasetSplits> ThreesAndSevensAsync() => (await RequireAsync()).ThreesAndSevens;

    /// <summary>The cache holding the four verified files.</summary>
    public static async Task<IdxCache> CacheAsync() => (await RequireAsync()).Cache;

    private static Task<Loaded> RequireAsync() => RequiredData.ObtainAsync(DatasetFamily.Mnist, () => Data.Value);

    private static async Task<Loaded> LoadAsync()
    {
        var cache = new IdxCache(DatasetFamily.Mnist, DataLocation.DefaultCacheRoot());
        var digits = await DatasetLoader.LoadAsync(DatasetName.Mnist, DataLocation.InCache(cache));
        return new Loaded(digits, ThreesAndSevens.From(digits), cache);
    }

    private sealed record Loaded(DatasetSplits Digits, DatasetSplits ThreesAndSevens, IdxCache Cache);
}
