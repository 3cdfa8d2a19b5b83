namespace Descent.Kernels;

/// <summary>The losses, each fused with its gradient and the sum into its metric slot.</summary>
public abstract partial class ComputeBackend
{
    /// <summary>
    /// Softmax + cross-entropy fused, forward and backward in one pass over logits[B, C] with
    /// integer labels[B] in [0, C):
    /// rowStats[b] = -sum_c target[b, c] log softmax(logits[b])[c], rowStats[B + b] = 1 if argmax == label else 0,
    /// dLogits[b, c] = (p[b, c] - target[b, c]) / B, with target = (1 - labelSmoothing) onehot + labelSmoothing / C
    /// (PyTorch's label_smoothing; 0 gives the plain -log p[label]);
    /// then metrics[slot * <see cref="MetricSlot.Width"/> ..] = (sum of row losses, correct count,
    /// non-finite flag), summed in row order. A label outside [0, C) gives that row a NaN loss, so the
    /// batch is flagged non-finite; that row's gradient is unspecified.
    /// </summary>
    [BackendOp]
    public void SoftmaxCrossEntropy(DeviceBuffer<float> logits, DeviceBuffer<int> labels, DeviceBuffer<float> dLogits,
        DeviceBuffer<float> rowStats, DeviceBuffer<float> metrics, int slot, int rows, int cols, float labelSmoothing = 0f)
    {
        if (!(labelSmoothing >= 0f && labelSmoothing <= 1f))
        {
            throw new InvalidInputException($"label smoothing must be in [0, 1], got {labelSmoothing}");
        }
        CheckMatrix(logits, rows, cols, nameof(logits));
        CheckMatrix(dLogits, rows, cols, nameof(dLogits));
        CheckBuffer(labels, nameof(labels));
        CheckLength(labels, rows, "labels (B)");
        CheckLossOutputs(rowStats, metrics, slot, rows);
        SoftmaxCrossEntropyCore(logits, labels, dLogits, rowStats, metrics, slot, rows, cols, labelSmoothing);
    }

    /// <summary>
    /// A two-class loss over logits[B] (one output per row) with targets[B] in {0, 1}, the sigmoid
    /// applied inside: rowStats[b] = loss of row b, rowStats[B + b] = 1 if correct else 0,
    /// dLogits[b] = d(mean loss)/d logit = dloss/dz / B; then the metric slot as for
    /// <see cref="SoftmaxCrossEntropy"/>. A target outside {0, 1} gives that row a NaN loss, so the
    /// batch is flagged non-finite; that row's gradient and correct flag are unspecified.
    /// </summary>
    [BackendOp]
    public void BinaryLossForwardBackward(BinaryLoss loss, DeviceBuffer<float> logits, DeviceBuffer<int> targets,
        DeviceBuffer<float> dLogits, DeviceBuffer<float> rowStats, DeviceBuffer<float> metrics, int slot, int rows)
    {
        CheckMatrix(logits, rows, 1, nameof(logits));
        CheckMatrix(dLogits, rows, 1, nameof(dLogits));
        CheckBuffer(targets, nameof(targets));
        CheckLength(targets, rows, "targets (B)");
        CheckLossOutputs(rowStats, metrics, slot, rows);
        BinaryLossForwardBackwardCore(loss, logits, targets, dLogits, rowStats, metrics, slot, rows);
    }

    // ---------------------------------------------------------------- implementation hooks

    protected abstract void SoftmaxCrossEntropyCore(DeviceBuffer<float> logits, DeviceBuffer<int> labels, DeviceBuffer<float> dLogits,
        DeviceBuffer<float> rowStats, DeviceBuffer<float> metrics, int slot, int rows, int cols, float labelSmoothing);

    protected abstract void BinaryLossForwardBackwardCore(BinaryLoss loss, DeviceBuffer<float> logits, DeviceBuffer<int> targets,
        DeviceBuffer<float> dLogits, DeviceBuffer<float> rowStats, DeviceBuffer<float> metrics, int slot, int rows);

    private void CheckLossOutputs(DeviceBuffer<float> rowStats, DeviceBuffer<float> metrics, int slot, int rows)
    {
        CheckBuffer(rowStats, nameof(rowStats));
        CheckBuffer(metrics, nameof(metrics));
        CheckLength(rowStats, 2L * rows, "rowStats (2 x B)");
        if (slot < 0 || ((long)slot + 1) * MetricSlot.Width > metrics.Length)
        {
            throw new InvalidInputException(
                $"metric slot {slot} lies outside a buffer of {metrics.Length / MetricSlot.Width} slots");
        }
    }
}
