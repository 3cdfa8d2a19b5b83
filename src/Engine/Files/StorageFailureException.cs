using Descent.Kernels;

namespace Descent.Engine.Files;

/// <summary>
/// A read or write the machine refused: permission denied to write, a read-only or full disk, an I/O
/// error. The path was fine; the environment is not (exit code 3). The message names the path and the cause.
/// </summary>
public sealed class StorageFailureException(string message, Exception? inner = null)
    : DescentException(message, FailureKind.Unavailable, inner)
{
    /// <summary>The failure of writing <paramref name="path"/>, with the operating system's cause in words.</summary>
    public static StorageFailureException Writing(string path, Exception cause) => new($"cannot write {path}: {Cause(cause)}", cause);

    /// <summary>The failure of reading <paramref name="path"/>, with the operating system's cause in words.</summary>
    public static StorageFailureException Reading(string path, Exception cause) => new($"cannot read {path}: {Cause(cause)}", cause);

    /// <summary>
    /// The cause without the path .NET appends to it ("No space left on device : '/dev/full'"), which may be
    /// a temporary file's name the person never chose.
    /// </summary>
    public static string Cause(Exception error) => error switch
    {
        UnauthorizedAccessException => "permission denied",
        FileNotFoundException or DirectoryNotFoundException => "no such file or folder",
        _ when error.Message.IndexOf(" : '", StringComparison.Ordinal) is var at and > 0 => error.Message[..at],
        _ => error.Message.TrimEnd('.'),
    };
}
