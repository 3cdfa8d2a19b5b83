using Descent.Kernels.Profiling;

namespace Descent.Kernels;

public abstract partial class ComputeBackend
{
    /// <summary>
    /// The clock a profile times this backend's ops with (<see cref="ProfilingBackend"/>): by default the host's, read
    /// with the backend synchronised; a backend that queues work on a device with timestamps of its own reads those.
    /// </summary>
    public virtual OpClock CreateOpClock() => new WallClock(this);
}
