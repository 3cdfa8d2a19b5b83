using Descent.Kernels;

namespace Descent.Host;

/// <summary>The exit codes of the `descent` contract.</summary>
public static class ExitCodes
{
    public const int Success = 0;
    public const int InternalFailure = 1;
    public const int BadInput = 2;
    public const int Unavailable = 3;
    public const int Diverged = 4;
    /// <summary>Ctrl+C (SIGINT): 128 + 2, as shells report it.</summary>
    public const int Interrupted = 130;

    /// <summary>SIGTERM: 128 + 15.</summary>
    public const int Terminated = 143;

    /// <summary>Maps an error the engine or kernels raised on purpose to its exit code.</summary>
    public static int For(DescentException error) => error.Kind switch
    {
        FailureKind.BadInput => BadInput,
        FailureKind.Unavailable => Unavailable,
        FailureKind.Diverged => Diverged,
        _ => InternalFailure,
    };
}
