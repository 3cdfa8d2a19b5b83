using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using Descent.Engine.Files;
using Descent.Kernels;

namespace Descent.Engine.Data;

/// <summary>
/// A CIFAR dataset's binary files, unpacked, in <c>&lt;root&gt;/cifar-10/</c> or <c>&lt;root&gt;/cifar-100/</c>.
/// The dataset's authors publish an MD5 of the archive and nothing of the files inside, so the archive is
/// checked against that MD5 before anything is unpacked; the files unpacked from an archive that passed are then
/// recorded in the folder's manifest with their sizes and SHA-256s, and every later use checks the files against
/// it, as the MNIST files are checked against their published SHA-256s. A file that fails is reported and left
/// alone unless the caller forces its replacement; a file with no record (put there by hand) is treated alike.
/// </summary>
public sealed class CifarCache
{
    /// <summary>The file in the cache folder recording each unpacked file's size and SHA-256.</summary>
    public const string ManifestName = "manifest.json";

    private readonly IReadOnlyList<Uri> _archiveUrls;
    private readonly IProgress<string>? _progress;
    private readonly TimeSpan _connectTimeout;
    private readonly TimeSpan _downloadTimeout;
    private readonly string _archiveMd5;

    /// <param name="format">Whose files the cache holds.</param>
    /// <param name="root">The cache root; the files live in its folder named after <paramref name="format"/>.</param>
    /// <param name="archiveUrls">Where the archive is downloaded from, in order; the dataset's home page when null.</param>
    /// <param name="progress">Told, in words, what the cache is doing (the archives are 160 MB).</param>
    public CifarCache(CifarFormat format, string root, IReadOnlyList<Uri>? archiveUrls = null, IProgress<string>? progress = null)
        : this(format, root, archiveUrls, progress, format.ArchiveMd5, TimeSpan.FromSeconds(10), TimeSpan.FromMinutes(15))
    {
    }

    /// <summary>As the public constructor, with a test's own archive (its MD5) and time limits.</summary>
    internal CifarCache(CifarFormat format, string root, IReadOnlyList<Uri>? archiveUrls, IProgress<string>? progress,
        string archiveMd5, TimeSpan connectTimeout, TimeSpan downloadTimeout)
    {
        _archiveMd5 = archiveMd5;
        Format = format;
        Folder = Path.Combine(Path.GetFullPath(root), format.Name);
        _archiveUrls = archiveUrls ?? [format.ArchiveUrl];
        _progress = progress;
        _connectTimeout = connectTimeout;
        _downloadTimeout = downloadTimeout;
    }

    public CifarFormat Format { get; }

    /// <summary>The folder holding the unpacked files and their manifest.</summary>
    public string Folder { get; }

    /// <summary>
    /// Each file's state: ok (its size and SHA-256 are the ones recorded when it was unpacked), missing, or present
    /// and not as recorded (or not recorded at all). The file's checksum in the result is the recorded one, or empty.
    /// </summary>
    public IReadOnlyList<CachedFileStatus> Verify()
    {
        var records = ReadManifest();
        return Format.AllFiles.Select(name =>
        {
            var path = Path.Combine(Folder, name);
            var recorded = records.GetValueOrDefault(name);
            var file = new DatasetFile(name, recorded?.Sha256 ?? "");
            if (!File.Exists(path))
            {
                return new CachedFileStatus(file, path, CachedFileState.Missing);
            }

            return new CachedFileStatus(file, path, recorded is not null && Matches(path, recorded) ? CachedFileState.Ok : CachedFileState.BadChecksum);
        }).ToList();
    }

    /// <summary>
    /// Makes sure every file is in <see cref="Folder"/> as recorded, downloading and unpacking the archive when any
    /// is missing; returns the folder. A file that fails its record is an <see cref="InvalidInputException"/> unless
    /// <paramref name="force"/> is set, when it is unpacked again; good files are kept as they are. When no source
    /// supplies an archive with the published MD5, or the folder cannot be written: <see cref="DataUnavailableException"/>.
    /// </summary>
    public async Task<string> EnsureAsync(bool force = false, CancellationToken cancellation = default)
    {
        _progress?.Report($"checking the {Format.Title} files in {Folder}");
        var statuses = Verify();
        var damaged = statuses.Where(status => status.State == CachedFileState.BadChecksum).Select(status => status.Path).ToList();
        if (damaged.Count > 0 && !force)
        {
            var advice = $"run 'descent data fetch --dataset {Format.Name} --force' to replace";
            throw new InvalidInputException(damaged.Count == 1
                ? $"{damaged[0]} fails its recorded checksum; {advice} it"
                : $"{string.Join(", ", damaged)} fail their recorded checksums; {advice} them");
        }

        var wanted = statuses.Where(status => status.State != CachedFileState.Ok).Select(status => status.File.Name).ToList();
        if (wanted.Count > 0)
        {
            try
            {
                PrepareFolder();
                await FetchAsync(wanted, cancellation);
            }
            catch (CacheUnwritableException e)
            {
                throw new DataUnavailableException(e.Message, e.InnerException);
            }
        }

        return Folder;
    }

    private async Task FetchAsync(IReadOnlyList<string> wanted, CancellationToken cancellation)
    {
        using var handler = new SocketsHttpHandler { ConnectTimeout = _connectTimeout };
        using var client = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
        var failures = new List<string>();
        foreach (var url in _archiveUrls)
        {
            // The archive waits beside its files, under a hidden name, only until it is unpacked or refused.
            var archive = AtomicFile.TemporaryBeside(Path.Combine(Folder, Format.ArchiveName));
            try
            {
                _progress?.Report($"downloading {url}");
                var failure = await DownloadAsync(client, url, archive, cancellation) ?? await UnpackAsync(archive, wanted, cancellation);
                if (failure is null)
                {
                    return;
                }

                failures.Add($"{url}: {failure}");
                _progress?.Report($"{url} failed: {failure}");
            }
            finally
            {
                File.Delete(archive);
            }
        }

        var tried = failures.Count > 0 ? string.Join("; ", failures) : "no sources to try";
        throw new DataUnavailableException(
            $"{Format.Title} is not available: could not obtain {Format.ArchiveName} ({tried}). " +
            $"Download it from {CifarFormat.HomePage}, unpack it and give its {Format.ArchiveFolder} folder with --data-dir");
    }

    /// <summary>Null once the archive is saved at <paramref name="target"/> with the published MD5; else why not.</summary>
    private async Task<string?> DownloadAsync(HttpClient client, Uri url, string target, CancellationToken cancellation)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        timeout.CancelAfter(_downloadTimeout);
        try
        {
            using var response = await client.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            if (!response.IsSuccessStatusCode)
            {
                return $"HTTP {(int)response.StatusCode}";
            }

            await using var body = await response.Content.ReadAsStreamAsync(timeout.Token);
            using var md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
            await using (var file = CreateInFolder(target))
            {
                var buffer = new byte[1 << 16];
                int read;
                while ((read = await body.ReadAsync(buffer, timeout.Token)) > 0)
                {
                    md5.AppendData(buffer, 0, read);
                    await WriteToCacheAsync(file, buffer.AsMemory(0, read), timeout.Token);
                }
            }

            var actual = Convert.ToHexStringLower(md5.GetHashAndReset());
            return actual == _archiveMd5 ? null : $"wrong MD5 {actual}, the home page lists {_archiveMd5}";
        }
        catch (HttpRequestException e)
        {
            return e.Message;
        }
        catch (OperationCanceledException) when (!cancellation.IsCancellationRequested)
        {
            return $"no complete answer within {_connectTimeout.TotalSeconds:0} s to connect and {_downloadTimeout.TotalMinutes:0} minutes to download";
        }
        catch (IOException e) when (e is not CacheUnwritableException)
        {
            return e.Message;
        }
    }

    /// <summary>
    /// Unpacks <paramref name="wanted"/> from the archive (which passed its MD5) and records them; null when done.
    /// The archive is read twice: once to see that it holds every file, so that nothing is written from one that
    /// does not, then to store them.
    /// </summary>
    private async Task<string?> UnpackAsync(string archive, IReadOnlyList<string> wanted, CancellationToken cancellation)
    {
        try
        {
            var entries = new HashSet<string>();
            await ForEachWantedEntryAsync(archive, wanted, (name, _, _) =>
            {
                entries.Add(name);
                return Task.CompletedTask;
            }, cancellation);
            var absent = wanted.Where(name => !entries.Contains(name)).ToList();
            if (absent.Count > 0)
            {
                return $"the archive has no {string.Join(", ", absent.Select(name => $"{Format.ArchiveFolder}/{name}"))}";
            }

            var records = ReadManifest();
            await ForEachWantedEntryAsync(archive, wanted, async (name, data, token) =>
            {
                var path = Path.Combine(Folder, name);
                records[name] = await StoreAsync(path, data, token);
                _progress?.Report($"stored {path}");
            }, cancellation);
            WriteManifest(records);
            return null;
        }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException || (e is IOException && e is not CacheUnwritableException))
        {
            return $"the archive cannot be unpacked ({e.Message})";
        }
    }

    private async Task ForEachWantedEntryAsync(
        string archive, IReadOnlyList<string> wanted, Func<string, Stream, CancellationToken, Task> action, CancellationToken cancellation)
    {
        await using var file = File.OpenRead(archive);
        await using var unzipped = new GZipStream(file, CompressionMode.Decompress);
        await using var tar = new TarReader(unzipped);
        while (await tar.GetNextEntryAsync(cancellationToken: cancellation) is { } entry)
        {
            // Only the files the set is made of, by their names in the archive's one folder: nothing else is ever written.
            var name = entry.Name.Replace('\\', '/');
            if (entry.EntryType is TarEntryType.RegularFile or TarEntryType.V7RegularFile
                && name.StartsWith(Format.ArchiveFolder + "/", StringComparison.Ordinal)
                && wanted.Contains(name[(Format.ArchiveFolder.Length + 1)..])
                && entry.DataStream is { } data)
            {
                await action(name[(Format.ArchiveFolder.Length + 1)..], data, cancellation);
            }
        }
    }

    private async Task<FileRecord> StoreAsync(string path, Stream data, CancellationToken cancellation)
    {
        using var sha256 = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        long length = 0;
        try
        {
            await AtomicFile.WriteAsync(path, async (target, token) =>
            {
                var buffer = new byte[1 << 16];
                int read;
                while ((read = await data.ReadAsync(buffer, token)) > 0)
                {
                    sha256.AppendData(buffer, 0, read);
                    length += read;
                    await WriteToCacheAsync(target, buffer.AsMemory(0, read), token);
                }

                return true;
            }, cancellation);
        }
        catch (Exception e) when (e is UnauthorizedAccessException || (e is IOException && e is not CacheUnwritableException))
        {
            throw Unwritable(e);
        }

        return new FileRecord(length, Convert.ToHexStringLower(sha256.GetHashAndReset()));
    }

    // A full disk is the cache's failure, not the source's: no other source would fare better.
    private async Task WriteToCacheAsync(Stream target, ReadOnlyMemory<byte> bytes, CancellationToken cancellation)
    {
        try
        {
            await target.WriteAsync(bytes, cancellation);
        }
        catch (IOException e)
        {
            throw Unwritable(e);
        }
    }

    private FileStream CreateInFolder(string path)
    {
        try
        {
            return new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Unwritable(e);
        }
    }

    // Proves the folder takes writes before the archive is asked for, so that a read-only cache is reported as such.
    private void PrepareFolder()
    {
        try
        {
            Directory.CreateDirectory(Folder);
            var probe = AtomicFile.TemporaryBeside(Path.Combine(Folder, ".write-test"));
            File.WriteAllBytes(probe, []);
            File.Delete(probe);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Unwritable(e);
        }
    }

    private sealed record FileRecord(long Bytes, string Sha256);

    private static bool Matches(string path, FileRecord record)
    {
        try
        {
            if (new FileInfo(path).Length != record.Bytes)
            {
                return false;
            }

            using var stream = File.OpenRead(path);
            return Convert.ToHexStringLower(SHA256.HashData(stream)) == record.Sha256;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DataUnavailableException($"cannot read the cached file {path}: {e.Message}", e);
        }
    }

    private string ManifestPath => Path.Combine(Folder, ManifestName);

    /// <summary>The recorded files; none when there is no manifest, or one that cannot be read as a manifest.</summary>
    private Dictionary<string, FileRecord> ReadManifest()
    {
        var records = new Dictionary<string, FileRecord>();
        if (!File.Exists(ManifestPath))
        {
            return records;
        }

        try
        {
            if (JsonNode.Parse(File.ReadAllText(ManifestPath))?["files"] is JsonObject files)
            {
                foreach (var (name, value) in files)
                {
                    if (value?["bytes"]?.GetValue<long>() is { } bytes && value["sha256"]?.GetValue<string>() is { } sha256)
                    {
                        records[name] = new FileRecord(bytes, sha256);
                    }
                }
            }
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
        {
            // A damaged manifest vouches for nothing: every file then fails its record and is reported.
            records.Clear();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DataUnavailableException($"cannot read the cache manifest {ManifestPath}: {e.Message}", e);
        }

        return records;
    }

    private void WriteManifest(Dictionary<string, FileRecord> records)
    {
        var files = new JsonObject();
        foreach (var name in Format.AllFiles.Where(records.ContainsKey))
        {
            files[name] = new JsonObject { ["bytes"] = records[name].Bytes, ["sha256"] = records[name].Sha256 };
        }

        var manifest = new JsonObject
        {
            ["archive"] = Format.ArchiveName,
            ["archive_md5"] = _archiveMd5,
            ["files"] = files,
        };
        try
        {
            AtomicFile.WriteAllText(ManifestPath, manifest.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
        }
        catch (OutputFailedException e)
        {
            throw Unwritable(e);
        }
    }

    private CacheUnwritableException Unwritable(Exception cause) => new(
        $"cannot write the {Format.Title} cache folder {Folder}: {cause.Message.TrimEnd('.')}; " +
        $"set ${DataLocation.DataRootVariable} to a writable folder, or give --data-dir a folder that holds the files",
        cause);

    /// <summary>The cache's own failure to write, kept apart from a source's failures while the sources are tried.</summary>
    private sealed class CacheUnwritableException(string message, Exception cause) : IOException(message, cause);
}
