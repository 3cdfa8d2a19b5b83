using Descent.Kernels;

namespace Descent.Engine.Data;

/// <summary>
/// Where a dataset's four MNIST-format files come from: a folder someone names (the host's
/// --data-dir), checked by structure only so that one's own data in MNIST format loads, or the
/// checksummed cache, filled on demand. mnist-3-7 is made from the mnist files, so both datasets
/// share one folder and nothing is downloaded twice.
/// </summary>
public abstract class DataLocation
{
    private const string DataRootVariable = "DESCENT_DATA";

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
    /// <paramref name="dataDir"/> when given, else the default cache with the default sources
    /// reporting to <paramref name="progress"/>.
    /// </summary>
    public static DataLocation FromOptions(string? dataDir, IProgress<string>? progress = null) =>
        dataDir is null ? InCache(new MnistCache(DefaultCacheRoot(), progress: progress)) : InFolder(dataDir);

    /// <summary>
    /// A folder holding train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte and
    /// t10k-labels-idx1-ubyte, each raw or with .gz added.
    /// </summary>
    public static DataLocation InFolder(string folder) => new Folder(folder);

    /// <summary>The checksummed cache, fetching what it lacks.</summary>
    public static DataLocation InCache(MnistCache cache) => new Cache(cache);

    /// <summary>The four files' paths, fetching them first where the location is a cache.</summary>
    public abstract Task<MnistFilePaths> ResolveAsync(CancellationToken cancellation = default);

    private sealed class Folder(string path) : DataLocation
    {
        public override Task<MnistFilePaths> ResolveAsync(CancellationToken cancellation = default)
        {
            if (!Directory.Exists(path))
            {
                throw new InvalidInputException($"data folder {path} does not exist");
            }

            var missing = MnistFile.All.Where(file => Find(file) is null).Select(file => file.Name).ToList();
            if (missing.Count > 0)
            {
                throw new InvalidInputException(
                    $"data folder {path} has no {string.Join(", ", missing)} (raw, or with .gz added)");
            }

            return Task.FromResult(MnistFilePaths.Of(file => Find(file)!));
        }

        private string? Find(MnistFile file) =>
            new[] { file.Name, file.Name + ".gz" }.Select(name => Path.Combine(path, name)).FirstOrDefault(File.Exists);
    }

    private sealed class Cache(MnistCache cache) : DataLocation
    {
        public override Task<MnistFilePaths> ResolveAsync(CancellationToken cancellation = default) =>
            cache.EnsureAsync(cancellation: cancellation);
    }
}
