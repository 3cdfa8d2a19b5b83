namespace Descent.Kernels.Cpu;

/// <summary>An op over independent items (elements, rows or columns) that any split of [0, count) may run in pieces.</summary>
internal interface IRangeKernel
{
    /// <summary>Processes items [start, end).</summary>
    void Execute(int start, int end);
}
