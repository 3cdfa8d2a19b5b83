using System.Diagnostics;
using System.Runtime.ExceptionServices;

namespace Descent.Kernels.Cpu;

/// <summary>
/// Persistent worker threads that run one <see cref="IParallelJob"/> at a time with the calling thread
/// taking part 0. Parallel.For would allocate on every call and a training step must allocate nothing;
/// here a dispatch is a counter bump and, at most, one wake-up.
/// <para>
/// An <see cref="IRangeKernel"/> runs through a <see cref="RangeJob{TKernel}"/> the pool creates the
/// first time it sees that kernel type and reuses ever after, so an op needs no setup of its own:
/// writing its kernel and calling <see cref="Run{TKernel}"/> is all.
/// </para>
/// <para>
/// A training step issues a dozen short ops back to back, each a few microseconds to a millisecond,
/// so a worker that just finished spins for a while before it blocks: waking a blocked thread costs
/// tens of microseconds, as much as many of the ops themselves. A worker that sees no job for
/// <see cref="SpinTicks"/> blocks on a monitor, so an idle backend does not burn a core.
/// </para>
/// </summary>
internal sealed class WorkerPool : IDisposable
{
    // About 0.2 ms: longer than the host-side gap between the ops of a step, far shorter than any pause a person notices.
    private static readonly long SpinTicks = Stopwatch.Frequency / 5000;

    // Slots handed out to kernel types, process-wide; each pool keeps its own job in that slot.
    private static int kernelTypes;

    private readonly Thread[] workers;
    private readonly object gate = new();
    private IParallelJob?[] rangeJobs = [];
    private IParallelJob? job;
    private Exception? workerFailure;
    private int generation;
    private int sleepers;
    private int pending;
    private bool stopping;

    /// <param name="threads">Threads that run a job, the caller included; at least 1.</param>
    public WorkerPool(int threads)
    {
        Threads = Math.Max(1, threads);
        workers = new Thread[Threads - 1];
        for (var i = 0; i < workers.Length; i++)
        {
            var part = i + 1;
            workers[i] = new Thread(() => WorkLoop(part))
            {
                IsBackground = true,
                Name = $"descent cpu worker {part}",
            };
            workers[i].Start();
        }
    }

    /// <summary>Threads that run a job, the caller included.</summary>
    public int Threads { get; }

    /// <summary>
    /// Runs every part of <paramref name="work"/> and returns when all have finished. An exception in
    /// any part is rethrown here, on the caller's thread, once every part has stopped.
    /// </summary>
    public void Run(IParallelJob work)
    {
        if (workers.Length == 0)
        {
            work.Run(0, 1);
            return;
        }
        job = work;
        Volatile.Write(ref pending, workers.Length);
        // A full fence on each side (this increment, a sleeper's increment of sleepers) means that
        // either this thread sees the sleeper and wakes it, or the sleeper sees the new generation.
        Interlocked.Increment(ref generation);
        if (Volatile.Read(ref sleepers) > 0)
        {
            lock (gate)
            {
                Monitor.PulseAll(gate);
            }
        }
        Exception? failure = null;
        try
        {
            work.Run(0, Threads);
        }
        finally
        {
            // Even when part 0 failed, the next job must not start while a worker still runs this one;
            // a worker's failure is taken either way, so it cannot surface in a later job.
            var spin = new SpinWait();
            while (Volatile.Read(ref pending) != 0)
            {
                spin.SpinOnce(sleep1Threshold: -1);
            }
            job = null;
            failure = Interlocked.Exchange(ref workerFailure, null);
        }
        if (failure is not null)
        {
            ExceptionDispatchInfo.Throw(failure);
        }
    }

    /// <summary>
    /// Runs <paramref name="kernel"/> over items [0, <paramref name="items"/>) in equal contiguous slices,
    /// one per thread, each starting on a multiple of <paramref name="granule"/>, and returns when all
    /// are done. Fewer items than <paramref name="serialBelow"/> run on the calling thread, where a
    /// dispatch would cost more than the work. Allocates only the first time a kernel type is seen.
    /// </summary>
    public void Run<TKernel>(in TKernel kernel, int items, int granule, int serialBelow) where TKernel : struct, IRangeKernel
    {
        if (items < serialBelow || workers.Length == 0)
        {
            kernel.Execute(0, items);
            return;
        }
        RangeJobFor<TKernel>().Run(kernel, items, granule);
    }

    public void Dispose()
    {
        lock (gate)
        {
            stopping = true;
            Interlocked.Increment(ref generation);
            Monitor.PulseAll(gate);
        }
        foreach (var worker in workers)
        {
            worker.Join();
        }
    }

    private RangeJob<TKernel> RangeJobFor<TKernel>() where TKernel : struct, IRangeKernel
    {
        var slot = KernelSlot<TKernel>.Index;
        if (slot >= rangeJobs.Length)
        {
            Array.Resize(ref rangeJobs, Math.Max(slot + 1, 2 * rangeJobs.Length));
        }
        return (RangeJob<TKernel>)(rangeJobs[slot] ??= new RangeJob<TKernel>(this));
    }

    private void WorkLoop(int part)
    {
        var seen = Volatile.Read(ref generation);
        while (true)
        {
            seen = WaitForGeneration(seen);
            if (Volatile.Read(ref stopping))
            {
                return;
            }
            try
            {
                job!.Run(part, Threads);
            }
            catch (Exception exception)
            {
                // Thrown on a worker it would end the process: hand it to the caller instead.
                Interlocked.CompareExchange(ref workerFailure, exception, null);
            }
            finally
            {
                Interlocked.Decrement(ref pending);
            }
        }
    }

    /// <summary>Spins, then blocks, until the generation moves past <paramref name="seen"/>; returns the new one.</summary>
    private int WaitForGeneration(int seen)
    {
        var deadline = Stopwatch.GetTimestamp() + SpinTicks;
        while (Volatile.Read(ref generation) == seen)
        {
            if (Stopwatch.GetTimestamp() > deadline)
            {
                lock (gate)
                {
                    Interlocked.Increment(ref sleepers);
                    while (Volatile.Read(ref generation) == seen)
                    {
                        Monitor.Wait(gate);
                    }
                    Interlocked.Decrement(ref sleepers);
                }
                break;
            }
            Thread.SpinWait(20);
        }
        return Volatile.Read(ref generation);
    }

    /// <summary>
    /// A kernel type's slot in <see cref="rangeJobs"/>: a constant per type once the JIT has seen it, so
    /// finding a kernel's job is one array load, with no hashing or locking on the way.
    /// </summary>
    private static class KernelSlot<TKernel> where TKernel : struct, IRangeKernel
    {
        public static readonly int Index = Interlocked.Increment(ref kernelTypes) - 1;
    }
}
