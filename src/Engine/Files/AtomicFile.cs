using Descent.Kernels;

namespace Descent.Engine.Files;

/// <summary>
/// Writes a file so that readers see the old file or the whole new one, never a part: the bytes go
/// to a temporary name in the same folder (so the rename stays on one file system), are flushed to
/// disk, and the temporary file is then renamed over the target.
/// </summary>
public static class AtomicFile
{
    /// <summary>
    /// Lets <paramref name="write"/> fill a temporary file; puts it in place at <paramref name="path"/>
    /// only when <paramref name="write"/> returns true, and otherwise leaves any existing file as it was.
    /// </summary>
    public static async Task<bool> WriteAsync(
        string path, Func<Stream, CancellationToken, Task<bool>> write, CancellationToken cancellation)
    {
        var folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
        var temporary = Path.Combine(folder, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}.tmp");
        try
        {
            bool keep;
            await using (var stream = new FileStream(
                             temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous))
            {
                keep = await write(stream, cancellation);
                if (keep)
                {
                    stream.Flush(flushToDisk: true);
                }
            }

            if (keep)
            {
                File.Move(temporary, path, overwrite: true);
            }

            return keep;
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    /// <summary>Replaces <paramref name="path"/> with <paramref name="bytes"/>; a path that cannot be written is bad input.</summary>
    public static void WriteAllBytes(string path, byte[] bytes)
    {
        try
        {
            WriteAsync(path, async (stream, cancellation) =>
            {
                await stream.WriteAsync(bytes, cancellation);
                return true;
            }, CancellationToken.None).GetAwaiter().GetResult();
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            throw new InvalidInputException($"cannot write {path}: {error.Message}", error);
        }
    }

    /// <summary>Replaces <paramref name="path"/> with <paramref name="contents"/>; a path that cannot be written is bad input.</summary>
    public static void WriteAllText(string path, string contents) =>
        WriteAllBytes(path, System.Text.Encoding.UTF8.GetBytes(contents));
}
