namespace Descent.Engine.Files;

/// <summary>
/// The one writer of every file Descent writes (metrics, models, checkpoints, ONNX graphs, benchmark
/// results, PTX, the data cache),
/// so that each follows <see cref="OutputPath"/>'s rules. A file is written so that readers see the old
/// file or the whole new one, never a part: the bytes go to a temporary name in the target's folder (so
/// the rename stays on one file system), are flushed to disk, and the temporary file is then renamed over
/// the target, which keeps its permissions. A symbolic link is written through to its target and stays a
/// link; a character device or a pipe is written directly; nothing else is ever replaced.
/// <para>
/// A path that is wrong is an <see cref="Kernels.InvalidInputException"/>; a write the machine refuses
/// (permission, a read-only or full disk, an I/O error) is an <see cref="OutputFailedException"/>
/// naming the path and the cause (<see cref="WriteAsync(string, Func{Stream, CancellationToken, Task{bool}}, CancellationToken)"/> leaves that wording to its caller). Either
/// way an existing file is left as it was.
/// </para>
/// </summary>
public static class AtomicFile
{
    /// <summary>
    /// Lets <paramref name="write"/> fill the output; puts a file in place at <paramref name="path"/> only when
    /// <paramref name="write"/> returns true, and otherwise leaves any existing file as it was. (A device or
    /// pipe receives the bytes as they are written, whatever <paramref name="write"/> then returns.) A failed
    /// read or write reaches the caller as the <see cref="IOException"/> it was, for the caller knows what
    /// the file is for and what to advise (the data cache names its folder and how to choose another).
    /// </summary>
    public static Task<bool> WriteAsync(string path, Func<Stream, CancellationToken, Task<bool>> write, CancellationToken cancellation) =>
        WriteAsync(path, write, OpenFile, cancellation);

    /// <summary>Replaces the file <paramref name="path"/> leads to with <paramref name="bytes"/>; a failed write is an <see cref="OutputFailedException"/>.</summary>
    public static void WriteAllBytes(string path, byte[] bytes) => WriteAllBytes(path, bytes, OpenFile);

    /// <summary>Replaces the file <paramref name="path"/> leads to with <paramref name="contents"/> in UTF-8.</summary>
    public static void WriteAllText(string path, string contents) => WriteAllBytes(path, System.Text.Encoding.UTF8.GetBytes(contents));

    /// <summary>As the public overload, with the files opened by <paramref name="open"/>: a test's, to fail as a full disk does.</summary>
    internal static void WriteAllBytes(string path, byte[] bytes, Func<string, FileMode, Stream> open)
    {
        try
        {
            WriteAsync(path, async (stream, cancellation) =>
            {
                await stream.WriteAsync(bytes, cancellation);
                return true;
            }, open, CancellationToken.None).GetAwaiter().GetResult();
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            // Only these bytes are written, so every failure is the output's.
            throw OutputFailedException.Writing(path, error);
        }
    }

    /// <summary>A fresh hidden name in <paramref name="target"/>'s folder, for the file that will replace it.</summary>
    internal static string TemporaryBeside(string target) =>
        Path.Combine(Path.GetDirectoryName(target)!, $".{Path.GetFileName(target)}.{Guid.NewGuid():N}.tmp");

    private static async Task<bool> WriteAsync(string path, Func<Stream, CancellationToken, Task<bool>> write,
        Func<string, FileMode, Stream> open, CancellationToken cancellation)
    {
        var output = OutputPath.Resolve(path, option: null);
        if (output.Kind == OutputKind.Stream)
        {
            await using var stream = open(output.Path, FileMode.Open);
            var written = await write(stream, cancellation);
            await stream.FlushAsync(cancellation);
            return written;
        }

        var temporary = TemporaryBeside(output.Target);
        try
        {
            bool keep;
            await using (var stream = open(temporary, FileMode.CreateNew))
            {
                keep = await write(stream, cancellation);
                if (keep)
                {
                    // Through the operating system's cache to the disk, so that a crash after the rename cannot leave an empty file.
                    if (stream is FileStream file)
                    {
                        file.Flush(flushToDisk: true);
                    }
                    else
                    {
                        await stream.FlushAsync(cancellation);
                    }
                }
            }
            if (keep)
            {
                if (!OperatingSystem.IsWindows() && File.Exists(output.Target))
                {
                    // The new file takes the place of the old one, with the permissions it had.
                    File.SetUnixFileMode(temporary, File.GetUnixFileMode(output.Target));
                }
                File.Move(temporary, output.Target, overwrite: true);
            }
            return keep;
        }
        finally
        {
            DeleteIfLeft(temporary);
        }
    }

    private static Stream OpenFile(string path, FileMode mode) =>
        mode == FileMode.CreateNew
            // Unbuffered: every write reaches the file system at once, so a full disk fails the write that filled it.
            ? new FileStream(path, mode, FileAccess.Write, FileShare.None, bufferSize: 0, FileOptions.Asynchronous)
            // A device or pipe, opened without truncating and without locking: others may be writing to it too.
            : new FileStream(path, mode, FileAccess.Write, FileShare.ReadWrite, bufferSize: 0);

    /// <summary>Deletes a temporary file that was not renamed into place.</summary>
    private static void DeleteIfLeft(string temporary)
    {
        try
        {
            File.Delete(temporary);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            // The write's own outcome, success or the failure being reported, matters more than a stray hidden file.
        }
    }
}
