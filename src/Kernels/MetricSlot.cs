namespace Descent.Kernels;

/// <summary>
/// Layout of the metric buffer that loss ops write: one slot per batch, so an epoch's figures are
/// read back once and summed on the host in a fixed order (no float atomics anywhere).
/// </summary>
public static class MetricSlot
{
    /// <summary>Floats per slot.</summary>
    public const int Width = 3;

    /// <summary>Sum over the batch's rows of the per-row loss.</summary>
    public const int LossSum = 0;

    /// <summary>Number of rows predicted correctly (exact in float up to 2^24).</summary>
    public const int Correct = 1;

    /// <summary>1 when any row's loss was NaN or infinite, else 0.</summary>
    public const int NonFinite = 2;
}
