namespace Descent.Kernels.Cpu;

/// <summary>
/// Runs an <see cref="IRangeKernel"/> over [0, count) on the pool, in equal contiguous slices that
/// start on a multiple of a granule (a vector width, so slices do not share a cache line's worth of
/// writes). The pool keeps one instance per kernel type and reuses it: dispatching allocates nothing.
/// </summary>
internal sealed class RangeJob<TKernel>(WorkerPool pool) : IParallelJob where TKernel : struct, IRangeKernel
{
    private TKernel kernel;
    private int count;
    private int granule;

    public void Run(in TKernel work, int items, int itemGranule)
    {
        kernel = work;
        count = items;
        granule = itemGranule;
        pool.Run(this);
        // Its pointers are the finished op's; none may be read by mistake in a later one.
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
