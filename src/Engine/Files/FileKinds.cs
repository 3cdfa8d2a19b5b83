using System.Runtime.InteropServices;

namespace Descent.Engine.Files;

/// <summary>What a path names, once symbolic links are followed as opening it would follow them.</summary>
internal enum FileKind
{
    Missing,
    RegularFile,
    Folder,
    CharacterDevice,
    Pipe,
    BlockDevice,
    Socket,
}

/// <summary>A path that could not be looked up, with the operating system's error number and its text.</summary>
internal sealed class PathLookupException(int errno, string message) : IOException(message)
{
    // Linux's numbers: only the Linux lookup raises this exception.
    public const int PermissionDenied = 13;
    public const int NotAFolder = 20;
    public const int NameTooLong = 36;
    public const int TooManyLinks = 40;

    public int Errno { get; } = errno;
}

/// <summary>
/// Tells a regular file from a device, a pipe or a socket, which .NET does not: it sees every one of
/// them as a file. On Linux this asks statx(2), whose struct has one layout on every architecture; where
/// there is no statx (other systems, or a sandbox that forbids it) only folders, files and missing
/// paths are told apart.
/// </summary>
internal static partial class FileKinds
{
    private const int CurrentFolder = -100; // AT_FDCWD
    private const uint TypeWanted = 0x1; // STATX_TYPE
    private const int StatxBytes = 256;
    private const int ModeOffset = 28; // stx_mode, after mask, blksize, attributes, nlink, uid and gid
    private const int NoSuchFile = 2; // ENOENT
    private const int NotPermitted = 1; // EPERM: a seccomp filter that refuses statx
    private const int NotImplemented = 38; // ENOSYS: a kernel before 4.11

    /// <summary>What <paramref name="path"/> is, following symbolic links; Missing where nothing is there.</summary>
    /// <exception cref="PathLookupException">The path cannot be looked up (a part of it is not a folder, a loop of links, ...).</exception>
    public static FileKind Of(string path)
    {
        if (OperatingSystem.IsLinux())
        {
            try
            {
                if (OfLinux(path) is { } kind)
                {
                    return kind;
                }
            }
            catch (Exception error) when (error is DllNotFoundException or EntryPointNotFoundException)
            {
                // A C library without statx (musl before 1.2.5): what .NET sees will do.
            }
        }
        return Directory.Exists(path) ? FileKind.Folder : File.Exists(path) ? FileKind.RegularFile : FileKind.Missing;
    }

    /// <summary>The kind statx reports, or null where statx is not allowed to answer.</summary>
    private static unsafe FileKind? OfLinux(string path)
    {
        var status = stackalloc byte[StatxBytes];
        if (Statx(CurrentFolder, path, 0, TypeWanted, status) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            return errno switch
            {
                NoSuchFile => FileKind.Missing,
                NotPermitted or NotImplemented => null,
                _ => throw new PathLookupException(errno, Marshal.GetPInvokeErrorMessage(errno)),
            };
        }
        // The S_IF* type bits of the mode, as POSIX numbers them.
        return (*(ushort*)(status + ModeOffset) & 0xF000) switch
        {
            0x1000 => FileKind.Pipe,
            0x2000 => FileKind.CharacterDevice,
            0x4000 => FileKind.Folder,
            0x6000 => FileKind.BlockDevice,
            0x8000 => FileKind.RegularFile,
            // 0xC000; a link (0xA000) is never left once links are followed.
            _ => FileKind.Socket,
        };
    }

    /// <summary>
    /// <paramref name="full"/> with every symbolic link along it resolved and "." and ".." gone, as realpath(3)
    /// gives it, so that two spellings of one file compare equal; the part past the deepest existing folder
    /// is kept as written. Where realpath is not there (other systems), the path as given.
    /// </summary>
    public static string Canonical(string full)
    {
        var existing = full;
        var rest = "";
        while (true)
        {
            if (RealPath(existing) is { } real)
            {
                return rest.Length == 0 ? real : Path.Combine(real, rest);
            }
            var parent = Path.GetDirectoryName(existing);
            if (parent is null)
            {
                return full;
            }
            rest = rest.Length == 0 ? Path.GetFileName(existing) : Path.Combine(Path.GetFileName(existing), rest);
            existing = parent;
        }
    }

    /// <summary>realpath(3) of <paramref name="path"/>; null where it does not exist, cannot be resolved, or realpath is not there.</summary>
    private static unsafe string? RealPath(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            return null;
        }
        try
        {
            var resolved = RealPathNative(path, null);
            if (resolved is null)
            {
                return null;
            }
            try
            {
                return Marshal.PtrToStringUTF8((nint)resolved);
            }
            finally
            {
                // realpath allocated it with malloc; NativeMemory.Free is free(3) on these systems.
                NativeMemory.Free(resolved);
            }
        }
        catch (Exception error) when (error is DllNotFoundException or EntryPointNotFoundException)
        {
            return null;
        }
    }

    [LibraryImport("libc", EntryPoint = "realpath", StringMarshalling = StringMarshalling.Utf8)]
    private static unsafe partial byte* RealPathNative(string path, byte* resolved);

    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static unsafe partial int Statx(int folder, string path, int flags, uint mask, byte* status);
}
