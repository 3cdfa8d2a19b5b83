namespace Descent.Kernels;

/// <summary>
/// Base of every error Descent raises on purpose. The host maps each kind to one line on stderr
/// and an exit code; anything that is not a <see cref="DescentException"/> is an internal failure.
/// </summary>
public abstract class DescentException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>Bad input from the caller: a shape, a size, an option, a data file (exit code 2).</summary>
public sealed class InvalidInputException(string message, Exception? inner = null) : DescentException(message, inner);

/// <summary>A backend, device or data source is missing or failing (exit code 3).</summary>
public sealed class DeviceUnavailableException(string message, Exception? inner = null) : DescentException(message, inner);
