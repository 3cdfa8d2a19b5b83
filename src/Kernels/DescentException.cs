namespace Descent.Kernels;

/// <summary>What went wrong, in the terms the host turns into exit codes.</summary>
public enum FailureKind
{
    /// <summary>Bad input from the caller: an option, a shape, a data or model file (exit 2).</summary>
    BadInput,

    /// <summary>A backend, device or data source is missing or failing (exit 3).</summary>
    Unavailable,

    /// <summary>Training produced a non-finite loss (exit 4).</summary>
    Diverged,
}

/// <summary>
/// Base of every error Descent raises on purpose. The host maps <see cref="Kind"/> to one line on
/// stderr and an exit code; anything that is not a <see cref="DescentException"/> is an internal failure.
/// </summary>
public abstract class DescentException(string message, FailureKind kind, Exception? inner = null) : Exception(message, inner)
{
    public FailureKind Kind { get; } = kind;
}

/// <summary>Bad input from the caller: a shape, a size, an option, a data file (exit code 2).</summary>
public sealed class InvalidInputException(string message, Exception? inner = null)
    : DescentException(message, FailureKind.BadInput, inner);

/// <summary>A backend or device is missing or failing (exit code 3).</summary>
public sealed class DeviceUnavailableException(string message, Exception? inner = null)
    : DescentException(message, FailureKind.Unavailable, inner);
