namespace Descent.Kernels.Cpu;

/// <summary>
/// Runs an <see cref="IRangeKernel"/> over [0, count) on the pool, in equal contiguous slices that
/// start on a multiple of a granule (a vector width, so slices do not share a cache line's worth of
/// writes). One instance per kernel type lives in the backend and is reused: dispatching allocates nothing.
/// Small ranges run on the calling thread, where a dispatch would cost more than the work.
/// </summary>
internal sealed class RangeJob<TKernel>(WorkerPool pool) : IParallelJob where TKernel : struct, IRangeKernel
{
    private TKernel kernel;
    private int count;
    private int granule;

    /// <param name="serialBelow">Item counts under this run on the calling thread.</param>
    public void Run(in TKernel work, int items, int itemGranule, int serialBelow)
    {
        if (items < serialBelow || pool.Threads == 1)
        {
            work.Execute(0, items);
            return;
        }
        kernel = work;
        count = items;
        granule = itemGranule;
        pool.Run(this);
        kernel = default;
    }

    void IParallelJob.Run(int part, int parts)
    {
        var granules = (count + granule - 1) / granule;
        var start = (int)Math.Min((long)granules * part / parts * granule, count);
        var end = (int)Math.Min((long)granules * (part + 1) / parts * granule, count);
        if (start < end)
        {
            kernel.Execute(start, end);
        }
    }
}
