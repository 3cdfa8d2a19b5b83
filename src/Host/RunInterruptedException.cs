namespace Descent.Host;

/// <summary>A command stopped by Ctrl+C or SIGTERM, with the one line that says what was kept.</summary>
public sealed class RunInterruptedException(string message) : OperationCanceledException(message);
