using System.Runtime.CompilerServices;

namespace Descent.Kernels.Cpu;

public sealed unsafe partial class CpuBackend
{
    protected override void SoftmaxCrossEntropyCore(DeviceBuffer<float> logits, DeviceBuffer<int> labels, DeviceBuffer<float> dLogits,
        DeviceBuffer<float> rowStats, DeviceBuffer<float> metrics, int slot, int rows, int cols, float labelSmoothing) =>
        LossKernels.SoftmaxCrossEntropy(Pointer(logits), Pointer(labels), Pointer(dLogits), Pointer(rowStats), Pointer(metrics),
            slot, rows, cols, labelSmoothing);

    protected override void BinaryLossForwardBackwardCore(BinaryLoss loss, DeviceBuffer<float> logits, DeviceBuffer<int> targets,
        DeviceBuffer<float> dLogits, DeviceBuffer<float> rowStats, DeviceBuffer<float> metrics, int slot, int rows) =>
        LossKernels.Binary(loss, Pointer(logits), Pointer(targets), Pointer(dLogits), Pointer(rowStats), Pointer(metrics), slot, rows);
}

/// <summary>
/// The fused losses: one pass per row writes the row's loss and correct flag into rowStats (2B) =
/// [losses (B), correct flags (B)] and the gradient of the batch's mean loss into dLogits, then one
/// ordered sum fills the metric slot. A batch is a few hundred rows of a few classes: microseconds
/// of work on one thread, less than a dispatch to the workers would cost.
/// A label or target outside its range gives the row a NaN loss (raising the non-finite flag) and a
/// zero gradient, so one bad row cannot poison the weights on its way to that flag.
/// </summary>
internal static unsafe class LossKernels
{
    /// <summary>
    /// Softmax cross-entropy over logits (B,C) and labels (B) with targets t = (1 - eps) onehot + eps / C
    /// (eps the label smoothing): loss = log(sum e^(z - max)) - sum_c t_c (z_c - max), finite for logits of +-1000;
    /// correct = (first) argmax == label; dLogits = (softmax(z) - t) / B.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void SoftmaxCrossEntropy(float* logits, int* labels, float* dLogits, float* rowStats, float* metrics,
        int slot, int rows, int cols, float labelSmoothing)
    {
        var inverseRows = 1f / rows;
        var spread = labelSmoothing / cols;
        var labelWeight = 1f - labelSmoothing;
        for (var row = 0; row < rows; row++)
        {
            var z = logits + (long)row * cols;
            var gradient = dLogits + (long)row * cols;
            var argmax = 0;
            var max = z[0];
            for (var col = 1; col < cols; col++)
            {
                if (z[col] > max)
                {
                    max = z[col];
                    argmax = col;
                }
            }
            // The exponentials go through dLogits, so each is computed once.
            var sum = 0f;
            var shiftedSum = 0f;
            for (var col = 0; col < cols; col++)
            {
                var e = MathF.Exp(z[col] - max);
                gradient[col] = e;
                sum += e;
                shiftedSum += z[col] - max;
            }
            var label = labels[row];
            var validLabel = label >= 0 && label < cols;
            // Without smoothing the spread term is left out, not multiplied by 0, so a logit of -inf keeps a finite loss.
            var spreadTerm = spread == 0f ? 0f : spread * shiftedSum;
            rowStats[row] = validLabel ? MathF.Log(sum) - labelWeight * (z[label] - max) - spreadTerm : float.NaN;
            rowStats[rows + row] = argmax == label ? 1f : 0f;
            var scale = validLabel ? inverseRows / sum : 0f;
            for (var col = 0; col < cols; col++)
            {
                var target = (col == label ? labelWeight : 0f) + spread;
                gradient[col] = validLabel ? gradient[col] * scale - target * inverseRows : 0f;
            }
        }
        WriteMetricSlot(rowStats, metrics, slot, rows);
    }

    /// <summary>
    /// A two-class loss over logits (B) and targets (B) in {0, 1}, p = sigmoid(z); correct when
    /// (p &gt; 0.5) == (t == 1). mnist: loss where(t == 1, 1 - p, p), dz -+p(1-p); bce (stable form):
    /// max(z, 0) - z t + log(1 + e^-|z|), dz p - t; mse: (p - t)^2, dz 2 (p - t) p (1 - p). dLogits = dz / B.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Binary(BinaryLoss loss, float* logits, int* targets, float* dLogits, float* rowStats, float* metrics,
        int slot, int rows)
    {
        for (var row = 0; row < rows; row++)
        {
            var t = targets[row];
            var z = logits[row];
            var p = Sigmoid.Forward(z);
            var (value, dLossDz) = loss switch
            {
                BinaryLoss.Mnist => (t == 1 ? 1f - p : p, (t == 1 ? -1f : 1f) * p * (1f - p)),
                BinaryLoss.BinaryCrossEntropy => (MathF.Max(z, 0f) - z * t + MathF.Log(1f + MathF.Exp(-MathF.Abs(z))), p - t),
                BinaryLoss.MeanSquaredError => ((p - t) * (p - t), 2f * (p - t) * p * (1f - p)),
                _ => throw new InvalidInputException($"unknown binary loss {loss}"),
            };
            var validTarget = t == 0 || t == 1;
            rowStats[row] = validTarget ? value : float.NaN;
            rowStats[rows + row] = (p > 0.5f) == (t == 1) ? 1f : 0f;
            dLogits[row] = validTarget ? dLossDz / rows : 0f;
        }
        WriteMetricSlot(rowStats, metrics, slot, rows);
    }

    /// <summary>metrics[slot * 3 ..] = (sum of row losses, sum of correct flags, 1 if any loss is not finite), rows in order.</summary>
    private static void WriteMetricSlot(float* rowStats, float* metrics, int slot, int rows)
    {
        var lossSum = 0f;
        var correct = 0f;
        var nonFinite = false;
        for (var row = 0; row < rows; row++)
        {
            lossSum += rowStats[row];
            correct += rowStats[rows + row];
            nonFinite |= !float.IsFinite(rowStats[row]);
        }
        var start = metrics + (long)slot * MetricSlot.Width;
        start[MetricSlot.LossSum] = lossSum;
        start[MetricSlot.Correct] = correct;
        start[MetricSlot.NonFinite] = nonFinite ? 1f : 0f;
    }
}
