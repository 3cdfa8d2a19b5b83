namespace Descent.Kernels.Cpu;

/// <summary>
/// Work that <see cref="WorkerPool"/> splits across its threads. Each part is a fixed slice of the
/// work chosen only from the part index and the part count, never from timing, so a result does not
/// depend on which thread ran which part.
/// </summary>
internal interface IParallelJob
{
    /// <summary>Runs part <paramref name="part"/> of <paramref name="parts"/>; parts never write the same memory.</summary>
    void Run(int part, int parts);
}
