using System.Security.Cryptography;
using Descent.Engine.Files;
using Descent.Kernels;

namespace Descent.Engine.Data;

/// <summary>
/// A dataset family's four files, uncompressed, in <c>&lt;root&gt;/&lt;family&gt;/</c> (mnist/, fashion-mnist/).
/// Every file is checked against its published SHA-256 before use. A file that fails is reported and
/// left alone, since it may be the only copy someone has, unless the caller forces its replacement.
/// Missing files are asked of each source in turn; what a source hands over is stored only when its
/// checksum is right.
/// </summary>
public sealed class IdxCache
{
    private readonly IReadOnlyList<IDatasetSource> _sources;
    private readonly IProgress<string>? _progress;

    /// <param name="family">Whose files the cache holds.</param>
    /// <param name="root">The cache root; the files live in its folder named after <paramref name="family"/>.</param>
    /// <param name="sources">Where missing files come from, in order; the family's own sources when null.</param>
    /// <param name="progress">Told, in words, what the cache is doing (downloads can take a while).</param>
    public IdxCache(DatasetFamily family, string root, IReadOnlyList<IDatasetSource>? sources = null, IProgress<string>? progress = null)
    {
        Family = family;
        Folder = FolderFor(root, family);
        _sources = sources ?? family.Sources;
        _progress = progress;
    }

    public DatasetFamily Family { get; }

    /// <summary>The folder holding the four uncompressed files.</summary>
    public string Folder { get; }

    /// <summary>The four files' places in <see cref="Folder"/>, whether or not they are there yet.</summary>
    public IdxFilePaths Paths => IdxFilePaths.Of(PathOf);

    /// <summary>The folder a cache under <paramref name="root"/> keeps <paramref name="family"/>'s files in.</summary>
    public static string FolderFor(string root, DatasetFamily family) => Path.Combine(Path.GetFullPath(root), family.Name);

    /// <summary>Each file's state: ok, missing, or present with a bad checksum.</summary>
    public IReadOnlyList<CachedFileStatus> Verify() =>
        Family.Files.Select(file => new CachedFileStatus(file, PathOf(file.Name), StateOf(file))).ToList();

    /// <summary>
    /// Makes sure all four files are in <see cref="Folder"/> with the right checksums, fetching the
    /// missing ones. A file with a bad checksum is an <see cref="InvalidInputException"/> unless
    /// <paramref name="force"/> is set, in which case it is fetched again and replaced; good files are
    /// never fetched again. When no source can supply a file, or the folder cannot be written:
    /// <see cref="DataUnavailableException"/>.
    /// </summary>
    public async Task<IdxFilePaths> EnsureAsync(bool force = false, CancellationToken cancellation = default)
    {
        _progress?.Report($"checking the {Family.Title} files in {Folder}");
        var statuses = Verify();
        var damaged = statuses.Where(status => status.State == CachedFileState.BadChecksum).Select(status => status.Path).ToList();
        if (damaged.Count > 0 && !force)
        {
            // A family's name is also the name of the dataset made of all its files.
            var advice = $"run 'descent data fetch --dataset {Family.Name} --force' to replace";
            throw new InvalidInputException(damaged.Count == 1
                ? $"{damaged[0]} fails its checksum; {advice} it"
                : $"{string.Join(", ", damaged)} fail their checksums; {advice} them");
        }

        var wanted = statuses.Where(status => status.State != CachedFileState.Ok).Select(status => status.File).ToList();
        if (wanted.Count > 0)
        {
            await PrepareFolderAsync(cancellation);
            await FetchAsync(wanted, cancellation);
        }

        return Paths;
    }

    // Proves the folder takes writes before any source is asked, so that an impossible or read-only
    // cache is reported as such and not as a failed download.
    private async Task PrepareFolderAsync(CancellationToken cancellation)
    {
        try
        {
            Directory.CreateDirectory(Folder);
            await AtomicFile.WriteAsync(Path.Combine(Folder, ".write-test"), (_, _) => Task.FromResult(false), cancellation);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Unwritable(e);
        }
    }

    private async Task FetchAsync(List<DatasetFile> wanted, CancellationToken cancellation)
    {
        var failures = new List<string>();
        for (var index = 0; index < _sources.Count && wanted.Count > 0; index++)
        {
            var source = _sources[index];
            _progress?.Report($"fetching {string.Join(", ", wanted.Select(file => file.Name))} from {source.Description}");
            var sourceFailures = new List<string>();
            var names = wanted.Select(file => file.Name).ToList();
            if (await source.FetchAsync(names, Receive, _progress, cancellation) is { } failure)
            {
                sourceFailures.Add(failure);
            }

            failures.AddRange(sourceFailures.Select(reason => $"{source.Description}: {reason}"));
            if (wanted.Count > 0 && index + 1 < _sources.Count)
            {
                _progress?.Report($"{source.Description} failed: {string.Join("; ", sourceFailures)}; trying {_sources[index + 1].Description}");
            }

            async Task<bool> Receive(string fileName, Stream uncompressed, CancellationToken token)
            {
                var file = wanted.FirstOrDefault(candidate => candidate.Name == fileName);
                if (file is null)
                {
                    return false;
                }

                var path = PathOf(file.Name);
                var stored = await AtomicFile.WriteAsync(path, (target, t) => CopyMatchingAsync(uncompressed, target, file.Sha256, t), token);
                if (stored)
                {
                    wanted.Remove(file);
                    _progress?.Report($"stored {path}");
                }
                else
                {
                    sourceFailures.Add($"{fileName} failed its checksum");
                }

                return stored;
            }
        }

        if (wanted.Count > 0)
        {
            var tried = failures.Count > 0 ? string.Join("; ", failures) : "no sources to try";
            throw new DataUnavailableException(
                $"{Family.Title} is not available: could not obtain {string.Join(", ", wanted.Select(file => file.Name))} ({tried}). " +
                $"Download them and put them, uncompressed, in {Folder}");
        }
    }

    /// <summary>Copies everything, hashing on the way; true when the SHA-256 is <paramref name="expectedSha256"/>.</summary>
    private async Task<bool> CopyMatchingAsync(Stream source, Stream target, string expectedSha256, CancellationToken cancellation)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[1 << 16];
        int read;
        while ((read = await source.ReadAsync(buffer, cancellation)) > 0)
        {
            hash.AppendData(buffer, 0, read);
            try
            {
                await target.WriteAsync(buffer.AsMemory(0, read), cancellation);
            }
            catch (IOException e)
            {
                // A full disk is the cache's failure, not the source's: no other source would fare better.
                throw Unwritable(e);
            }
        }

        return Convert.ToHexStringLower(hash.GetHashAndReset()) == expectedSha256;
    }

    private CachedFileState StateOf(DatasetFile file)
    {
        var path = PathOf(file.Name);
        if (!File.Exists(path))
        {
            return CachedFileState.Missing;
        }

        try
        {
            using var stream = File.OpenRead(path);
            return Convert.ToHexStringLower(SHA256.HashData(stream)) == file.Sha256 ? CachedFileState.Ok : CachedFileState.BadChecksum;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DataUnavailableException($"cannot read the cached file {path}: {e.Message}", e);
        }
    }

    private DataUnavailableException Unwritable(Exception cause) => new(
        $"cannot write the {Family.Title} cache folder {Folder}: {CauseOf(cause)}; " +
        $"set ${DataLocation.DataRootVariable} to a writable folder, or give --data-dir a folder that holds the files",
        cause);

    // The system's words do not say which part of the path is in the way ("file exists", "could not
    // find file" for a folder that cannot be made); the nearest part that exists does.
    private string CauseOf(Exception cause)
    {
        var reason = cause.Message.TrimEnd('.');
        string? missing = null;
        for (var path = Folder; path is not null; path = Path.GetDirectoryName(path))
        {
            if (File.Exists(path))
            {
                return $"{path} is not a folder";
            }

            if (Directory.Exists(path))
            {
                return missing is null ? $"it takes no new files ({reason})" : $"{missing} cannot be created in {path} ({reason})";
            }

            missing = path;
        }

        return reason;
    }

    private string PathOf(string fileName) => Path.Combine(Folder, fileName);
}
