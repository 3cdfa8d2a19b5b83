using System.Text;
using Microsoft.Win32.SafeHandles;

namespace Descent.Host;

/// <summary>
/// Writers straight onto the process's standard output and error descriptors, for a process that must not go through
/// <see cref="Console"/>, which on Unix prepares a terminal on its first write (see Program).
/// </summary>
internal static class LauncherOutput
{
    public const int StandardOutput = 1;
    public const int StandardError = 2;

    /// <summary>A UTF-8 writer on <paramref name="descriptor"/> that flushes every write, as the console does: a rank's last line must leave before MPI_Abort ends it.</summary>
    public static StreamWriter Open(int descriptor) =>
        new(new FileStream(new SafeFileHandle(descriptor, ownsHandle: false), FileAccess.Write, bufferSize: 0), new UTF8Encoding(false))
        {
            AutoFlush = true,
        };
}
