using Descent.Kernels;

namespace Descent.Engine.Files;

/// <summary>Writing an output failed for a reason of the machine's (a full disk, an unwritable folder): exit code 3.</summary>
public sealed class OutputFailedException(string message, Exception? inner = null)
    : DescentException(message, FailureKind.Unavailable, inner)
{
    /// <summary>The failure of writing <paramref name="path"/>, with the operating system's cause in words.</summary>
    public static OutputFailedException Writing(string path, Exception cause) => new($"cannot write {path}: {FailureCause.Of(cause)}", cause);
}
