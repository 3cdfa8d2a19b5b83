using Descent.Kernels;

namespace Descent.Engine.Data;

/// <summary>
/// Where a dataset's four MNIST-format files come from: a folder someone names (the host's
/// --data-dir), checked by structure only so that one's own data in MNIST format loads, or the
/// checksummed cache of the dataset's family, filled on demand. mnist-3-7 is made from the mnist
/// files, so both datasets share one folder and nothing is downloaded twice.
/// </summary>
public abstract class DataLocation
{
    /// <summary>The environment variable that moves the cache root.</summary>
    public const string DataRootVariable = "DESCENT_DATA";

    /// <summary>The rule <see cref="DefaultCacheRoot"/> follows, in words, for help texts.</summary>
    public const string DefaultCacheRootRule = "$" + DataRootVariable + ", else ~/.cache/descent";

    private protected DataLocation()
    {
    }

    /// <summary>The cache root: $DESCENT_DATA when set, else ~/.cache/descent.</summary>
    public static string DefaultCacheRoot()
    {
        var configured = Environment.GetEnvironmentVariable(DataRootVariable);
        return string.IsNullOrWhiteSpace(configured)
            ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "descent")
            : configured;
    }

    /// <summary>
    /// <paramref name="dataDir"/> when given, else the default cache of <paramref name="dataset"/>'s
    /// family with its sources, reporting to <paramref name="progress"/>.
    /// </summary>
    public static DataLocation FromOptions(DatasetName dataset, string? dataDir, IProgress<string>? progress = null) =>
        dataDir is not null ? InFolder(dataDir)
        : dataset.Family is null ? throw DatasetLoader.NotAFamily(dataset)
        : dataset.Family.Cifar is { } cifar ? InCache(new CifarCache(cifar, DefaultCacheRoot(), progress: progress))
        : InCache(new IdxCache(dataset.Family, DefaultCacheRoot(), progress: progress));

    /// <summary>
    /// A folder holding train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte and
    /// t10k-labels-idx1-ubyte, each raw or with .gz added.
    /// </summary>
    public static DataLocation InFolder(string folder) => new Folder(folder);

    /// <summary>The checksummed cache, fetching what it lacks.</summary>
    public static DataLocation InCache(IdxCache cache) => new Cache(cache);

    /// <summary>The checksummed cache of a CIFAR dataset, fetching what it lacks.</summary>
    public static DataLocation InCache(CifarCache cache) => new CifarCacheLocation(cache);

    /// <summary>The four files' paths, fetching them first where the location is a cache.</summary>
    public abstract Task<IdxFilePaths> ResolveAsync(CancellationToken cancellation = default);

    /// <summary>The folder holding <paramref name="format"/>'s binary files, checked by structure; fetched first where the location is a cache.</summary>
    public virtual Task<string> ResolveCifarAsync(CifarFormat format, CancellationToken cancellation = default) =>
        throw new InvalidOperationException($"an MNIST-format cache holds no {format.Title} files");

    private sealed class Folder(string path) : DataLocation
    {
        public override Task<IdxFilePaths> ResolveAsync(CancellationToken cancellation = default)
        {
            if (File.Exists(path))
            {
                throw new InvalidInputException($"data folder {path} is not a folder: name the folder that holds the four IDX files");
            }

            if (!Directory.Exists(path))
            {
                throw new InvalidInputException($"data folder {path} does not exist");
            }

            if (!Directory.EnumerateFileSystemEntries(path).Any())
            {
                throw new InvalidInputException($"data folder {path} is empty: give a folder of the four IDX files or of class folders of pictures");
            }

            var missing = IdxFileNames.All.Where(name => IdxFileNames.FindIn(path, name) is null).ToList();
            if (missing.Count > 0)
            {
                throw new InvalidInputException(
                    $"data folder {path} has no {string.Join(", ", missing)} (raw, or with .gz added)");
            }

            return Task.FromResult(IdxFilePaths.Of(name => IdxFileNames.FindIn(path, name)!));
        }

        public override Task<string> ResolveCifarAsync(CifarFormat format, CancellationToken cancellation = default) =>
            Task.FromResult(CifarFiles.Locate(path, format));
    }

    private sealed class Cache(IdxCache cache) : DataLocation
    {
        public override Task<IdxFilePaths> ResolveAsync(CancellationToken cancellation = default) =>
            cache.EnsureAsync(cancellation: cancellation);
    }

    private sealed class CifarCacheLocation(CifarCache cache) : DataLocation
    {
        public override Task<IdxFilePaths> ResolveAsync(CancellationToken cancellation = default) =>
            throw new InvalidOperationException($"the {cache.Format.Title} cache holds no IDX files");

        public override async Task<string> ResolveCifarAsync(CifarFormat format, CancellationToken cancellation = default) =>
            CifarFiles.Locate(await cache.EnsureAsync(cancellation: cancellation), format);
    }
}
