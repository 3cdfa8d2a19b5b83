using System.Diagnostics;

namespace Descent.Kernels.Profiling;

/// <summary>
/// Marks moments in a backend's stream of ops, for a profile: one mark before an op and one after it. A backend that
/// queues work reads its device's own timestamps (CUDA events, Vulkan timestamp queries), so a mark costs no wait; the
/// default is the host's clock with the backend synchronised at each mark, which is exact for backends that run each op
/// inside its call (cpu, reference) and serialises the others.
/// </summary>
public abstract class OpClock : IDisposable
{
    /// <summary>What the marks are read from, as a profile states it ("wall clock", "CUDA events", ...).</summary>
    public abstract string Source { get; }

    /// <summary>Marks the moment everything queued so far has run.</summary>
    public abstract void Mark();

    /// <summary>
    /// Waits for every mark made since the last read and appends to <paramref name="seconds"/> each one's time in
    /// seconds, in order, from an origin of the clock's choosing (only differences are used); then forgets them.
    /// </summary>
    public abstract void ReadAndClear(List<double> seconds);

    public virtual void Dispose() => GC.SuppressFinalize(this);
}

/// <summary>The host's monotonic clock, read after the backend has run everything queued.</summary>
public sealed class WallClock(ComputeBackend backend) : OpClock
{
    private readonly List<long> ticks = [];

    public override string Source => "wall clock";

    public override void Mark()
    {
        backend.Synchronize();
        ticks.Add(Stopwatch.GetTimestamp());
    }

    public override void ReadAndClear(List<double> seconds)
    {
        foreach (var tick in ticks)
        {
            seconds.Add(tick / (double)Stopwatch.Frequency);
        }
        ticks.Clear();
    }
}
