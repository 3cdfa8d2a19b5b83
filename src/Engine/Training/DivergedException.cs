using Descent.Kernels;

namespace Descent.Engine.Training;

/// <summary>A batch produced a non-finite loss: the run cannot continue (exit code 4).</summary>
public sealed class DivergedException(int epoch, int batch)
    : DescentException($"training diverged: non-finite loss at epoch {epoch}, batch {batch}; try a lower learning rate", FailureKind.Diverged)
{
    public int Epoch { get; } = epoch;

    public int Batch { get; } = batch;
}
