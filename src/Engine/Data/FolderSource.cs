using System.IO.Compression;

namespace Descent.Engine.Data;

/// <summary>
/// Hands over the files a local folder holds, each raw or with .gz added (gzip is recognised by its
/// magic bytes): a folder a system package installs, such as Debian's dataset-fashion-mnist, or a
/// test's own folder. The cache checks each file's SHA-256 as for any source.
/// </summary>
public sealed class FolderSource(string folder, string description, string? installAdvice = null) : IDatasetSource
{
    /// <summary>A folder that needs nothing installed; described as "folder PATH".</summary>
    public FolderSource(string folder)
        : this(folder, $"folder {folder}")
    {
    }

    /// <summary>The folder Debian's <paramref name="package"/> installs the four files in.</summary>
    public static FolderSource OfDebianPackage(string package, string folder) =>
        new(folder, $"Debian package {package} ({folder})", $"apt-get install {package}");

    public string Folder => folder;

    public string Description => description;

    public async Task<string?> FetchAsync(
        IReadOnlyList<string> fileNames, DatasetFileReceiver receive, IProgress<string>? progress, CancellationToken cancellation)
    {
        if (!Directory.Exists(folder))
        {
            return installAdvice is null ? $"{folder} does not exist" : $"{folder} does not exist (install it with '{installAdvice}')";
        }

        var problems = new List<string>();
        foreach (var fileName in fileNames)
        {
            var path = IdxFileNames.FindIn(folder, fileName);
            if (path is null)
            {
                problems.Add($"no {fileName} (raw, or with .gz added)");
                continue;
            }

            try
            {
                progress?.Report($"reading {path}");
                await using var file = File.OpenRead(path);
                await using var uncompressed = IdxFile.StartsWithGzipMagic(file) ? new GZipStream(file, CompressionMode.Decompress) : (Stream)file;
                // A refused file needs no word here: the cache records every checksum it refuses.
                await receive(fileName, uncompressed, cancellation);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException)
            {
                problems.Add($"{path} cannot be read ({e.Message})");
            }
        }

        return problems.Count == 0 ? null : string.Join("; ", problems);
    }
}
