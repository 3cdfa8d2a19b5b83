using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using Descent.Kernels;
using Microsoft.Win32.SafeHandles;

namespace Descent.Engine.Files;

/// <summary>
/// Holds a folder for one process: a lock file in it, opened with <see cref="FileShare.None"/> and kept open
/// until <see cref="Dispose"/>. On Linux and macOS .NET takes an exclusive flock(2) on it, on Windows a share
/// lock; either way the operating system drops the lock when the process ends, however it ends (a crash,
/// kill -9), so a dead run never leaves its folder held. The file itself stays (deleting it would let a
/// third process lock a fresh file while a second holds the unlinked one); it holds the holder's process id
/// and start time, which a refused process reads to say who holds the folder.
/// </summary>
public sealed partial class FolderLock : IDisposable
{
    private readonly FileStream held;

    private FolderLock(FileStream held) => this.held = held;

    /// <summary>
    /// Takes <paramref name="folder"/>'s lock file <paramref name="fileName"/>, or refuses: a folder another
    /// process holds is bad input (exit 2) naming that process; a lock file the machine will not let Descent
    /// open is the environment's.
    /// </summary>
    /// <param name="what">The folder as the message names it: "checkpoint folder runs/mlp".</param>
    public static FolderLock Acquire(string folder, string fileName, string what)
    {
        var path = Path.Combine(folder, fileName);
        FileStream stream;
        try
        {
            stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException error) when (error is not FileNotFoundException and not DirectoryNotFoundException)
        {
            // The open fails the same way for a held lock and for an I/O error; a holder that wrote its line tells them apart.
            var holder = ReadWithoutLocking(path);
            if (holder is null || !holder.StartsWith("pid ", StringComparison.Ordinal))
            {
                throw new OutputFailedException($"cannot lock {what} ({path}): {error.Message}", error);
            }
            throw new InvalidInputException(
                $"{what} is in use by another run ({holder}): two runs would mix their checkpoints; wait for it to end or choose another folder", error);
        }
        catch (UnauthorizedAccessException error)
        {
            throw new OutputFailedException($"cannot lock {what} ({path}): {error.Message}", error);
        }
        try
        {
            using var self = Process.GetCurrentProcess();
            var started = self.StartTime.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture);
            stream.SetLength(0);
            stream.Write(System.Text.Encoding.UTF8.GetBytes($"pid {Environment.ProcessId}, started {started}\n"));
            stream.Flush(flushToDisk: true);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            stream.Dispose();
            throw new OutputFailedException($"cannot write the lock of {what} ({path}): {error.Message}", error);
        }
        return new FolderLock(stream);
    }

    /// <summary>Lets the folder go; a process that ends without calling this lets it go as it ends.</summary>
    public void Dispose() => held.Dispose();

    /// <summary>
    /// The lock file's line, read through a descriptor .NET did not open: .NET's own open would ask for a shared
    /// lock, which the holder's exclusive one refuses. Null where it cannot be read (or on Windows, where the
    /// share lock forbids reading).
    /// </summary>
    private static string? ReadWithoutLocking(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            return null;
        }
        try
        {
            var descriptor = OpenReadOnly(path, 0);
            if (descriptor < 0)
            {
                return null;
            }
            using var handle = new SafeFileHandle(descriptor, ownsHandle: true);
            using var stream = new FileStream(handle, FileAccess.Read);
            using var reader = new StreamReader(stream);
            return reader.ReadLine()?.Trim();
        }
        catch (Exception error) when (error is IOException or DllNotFoundException or EntryPointNotFoundException)
        {
            return null;
        }
    }

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int OpenReadOnly(string path, int flags);
}
