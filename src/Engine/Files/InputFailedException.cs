using Descent.Kernels;

namespace Descent.Engine.Files;

/// <summary>
/// Reading an input the person named failed for a reason of the machine's (an I/O error), where the path
/// itself was fine: exit code 3. A missing or unreadable path is bad input instead.
/// </summary>
public sealed class InputFailedException(string message, Exception? inner = null)
    : DescentException(message, FailureKind.Unavailable, inner)
{
    /// <summary>The failure of reading <paramref name="path"/>, with the operating system's cause in words.</summary>
    public static InputFailedException Reading(string path, Exception cause) => new($"cannot read {path}: {FailureCause.Of(cause)}", cause);
}
