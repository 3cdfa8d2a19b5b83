using ILGPU;
using ILGPU.Runtime;

namespace Descent.Kernels.Ilgpu;

// Losses fused with their gradient and their metric slot, one launch each: one pass per row writes the
// row's loss and correct flag into rowStats (2B) = [losses (B), correct flags (B)] and the gradient of the
// mean loss into dLogits; then the group sums rowStats into one metric slot. logits and dLogits are (B,C)
// for softmax cross-entropy and (B) for the binary losses; labels and targets are (B).
// A loss is one group (the shape's LossGroup threads), so that a group barrier, which needs no second
// launch, can separate the rows from their sum: the threads take the rows in turn, meet at the barrier,
// then the first thread adds the rows in order (see SumRowStatsIntoSlot).
// A label or target outside its range gives the row a NaN loss, which raises the non-finite flag, and
// a zero gradient, so one bad row cannot poison the weights on its way to that flag.
public sealed partial class IlgpuBackend
{
    // Binary losses are numbered 0, 1, ... and only ever appended, so a range check on the number finds
    // an undefined one, and does so on every launch without allocating.
    private static readonly int BinaryLossCount = Enum.GetValues<BinaryLoss>().Length;

    private Action<KernelConfig, ArrayView<float>, ArrayView<int>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int,
        int, float>? launchSoftmaxCrossEntropy;
    private Action<KernelConfig, ArrayView<float>, ArrayView<int>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int,
        int>? launchBinaryLoss;

    protected override void SoftmaxCrossEntropyCore(DeviceBuffer<float> logits, DeviceBuffer<int> labels,
        DeviceBuffer<float> dLogits, DeviceBuffer<float> rowStats, DeviceBuffer<float> metrics, int slot, int rows, int cols,
        float labelSmoothing)
    {
        launchSoftmaxCrossEntropy ??= accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<int>, ArrayView<float>,
            ArrayView<float>, ArrayView<float>, int, int, int, float>(SoftmaxCrossEntropyKernel);
        Launches++;
        launchSoftmaxCrossEntropy(LossConfig(rows), View(logits), View(labels), View(dLogits), View(rowStats), View(metrics), slot,
            rows, cols, labelSmoothing);
    }

    protected override void BinaryLossForwardBackwardCore(BinaryLoss loss, DeviceBuffer<float> logits, DeviceBuffer<int> targets,
        DeviceBuffer<float> dLogits, DeviceBuffer<float> rowStats, DeviceBuffer<float> metrics, int slot, int rows)
    {
        // The loss's number as the kernel takes it; an undefined one is refused here, since a kernel cannot throw.
        var kind = (uint)loss < (uint)BinaryLossCount
            ? (int)loss
            : throw new InvalidInputException($"unknown binary loss {loss}");
        launchBinaryLoss ??= accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<int>, ArrayView<float>, ArrayView<float>,
            ArrayView<float>, int, int, int>(BinaryLossKernel);
        Launches++;
        launchBinaryLoss(LossConfig(rows), View(logits), View(targets), View(dLogits), View(rowStats), View(metrics), slot, rows,
            kind);
    }

    /// <summary>One group of the shape's loss threads, or of one thread per row when the batch is smaller.</summary>
    private KernelConfig LossConfig(int rows) => new(1, Math.Min(rows, Shape.LossGroup));

    /// <summary>
    /// With targets t = (1 - eps) onehot + eps / C (eps the label smoothing): rowLoss = logsumexp(z) - sum_c t_c z_c,
    /// computed as log(sum e^(z - max)) - sum_c t_c (z_c - max) so logits of +-1000 stay finite;
    /// correct = argmax (the first maximum) == label; dLogits = (softmax(z) - t) / B.
    /// </summary>
    [IlgpuKernel(ExplicitlyGrouped = true)]
    internal static void SoftmaxCrossEntropyKernel(ArrayView<float> logits, ArrayView<int> labels, ArrayView<float> dLogits,
        ArrayView<float> rowStats, ArrayView<float> metrics, int slot, int rows, int cols, float labelSmoothing)
    {
        var spread = labelSmoothing / cols;
        var labelWeight = 1f - labelSmoothing;
        for (var row = Group.IdxX; row < rows; row += Group.DimX)
        {
            var start = row * cols;
            var argmax = 0;
            var max = logits[start];
            for (var col = 1; col < cols; col++)
            {
                var value = logits[start + col];
                if (value > max)
                {
                    max = value;
                    argmax = col;
                }
            }
            var sum = 0f;
            var shiftedSum = 0f;
            for (var col = 0; col < cols; col++)
            {
                sum += MathF.Exp(logits[start + col] - max);
                shiftedSum += logits[start + col] - max;
            }

            var label = labels[row];
            var validLabel = label >= 0 && label < cols;
            // Never index with a bad label, not even in a branch the compiler might turn into a select.
            var labelColumn = validLabel ? label : 0;
            // Without smoothing the spread term is left out, not multiplied by 0, so a logit of -inf keeps a finite loss.
            var spreadTerm = spread == 0f ? 0f : spread * shiftedSum;
            rowStats[row] = validLabel ? MathF.Log(sum) - labelWeight * (logits[start + labelColumn] - max) - spreadTerm : float.NaN;
            rowStats[rows + row] = argmax == label ? 1f : 0f;
            for (var col = 0; col < cols; col++)
            {
                var p = MathF.Exp(logits[start + col] - max) / sum;
                var target = (col == label ? labelWeight : 0f) + spread;
                dLogits[start + col] = validLabel ? (p - target) / rows : 0f;
            }
        }
        SumRowStatsIntoSlot(slot, rows, rowStats, metrics);
    }

    /// <summary>
    /// The binary loss numbered <paramref name="kind"/> over one logit z and target t per row, with
    /// p = sigmoid(z): the loss from <see cref="BinaryLossValue"/>, dLogits = <see cref="BinaryLossSlope"/> / B,
    /// and correct = (p &gt; 0.5) == (t == 1), as <see cref="BinaryLoss"/> defines it.
    /// </summary>
    [IlgpuKernel(ExplicitlyGrouped = true)]
    internal static void BinaryLossKernel(ArrayView<float> logits, ArrayView<int> targets, ArrayView<float> dLogits,
        ArrayView<float> rowStats, ArrayView<float> metrics, int slot, int rows, int kind)
    {
        var loss = (BinaryLoss)kind;
        for (var row = Group.IdxX; row < rows; row += Group.DimX)
        {
            var t = targets[row];
            var z = logits[row];
            var p = DeviceMath.Sigmoid(z);
            var validTarget = t == 0 || t == 1;
            rowStats[row] = validTarget ? BinaryLossValue(loss, z, p, t) : float.NaN;
            rowStats[rows + row] = (p > 0.5f) == (t == 1) ? 1f : 0f;
            dLogits[row] = validTarget ? BinaryLossSlope(loss, p, t) / rows : 0f;
        }
        SumRowStatsIntoSlot(slot, rows, rowStats, metrics);
    }

    /// <summary>
    /// The end of a loss kernel, run by all of its one group: after a barrier, which makes every thread's
    /// rowStats visible to the group, the first thread writes metrics[slot*3 ..] = (sum of row losses, sum
    /// of correct flags, 1 if any row loss is NaN or infinite else 0), adding rows in order. A fixed order
    /// and no float atomics make the result bit-reproducible; B is a batch, so one thread's loop is short.
    /// </summary>
    private static void SumRowStatsIntoSlot(int slot, int rows, ArrayView<float> rowStats, ArrayView<float> metrics)
    {
        Group.Barrier();
        if (!Group.IsFirstThread)
        {
            return;
        }
        var lossSum = 0f;
        var correct = 0f;
        var nonFinite = 0f;
        for (var row = 0; row < rows; row++)
        {
            var loss = rowStats[row];
            lossSum += loss;
            correct += rowStats[rows + row];
            nonFinite = DeviceMath.IsFinite(loss) ? nonFinite : 1f;
        }
        var start = slot * MetricSlot.Width;
        metrics[start + MetricSlot.LossSum] = lossSum;
        metrics[start + MetricSlot.Correct] = correct;
        metrics[start + MetricSlot.NonFinite] = nonFinite;
    }

    /// <summary>
    /// One row's loss from its logit z, p = sigmoid(z) and target t in {0, 1}. Binary cross-entropy takes
    /// its stable form, max(z, 0) - z t + log(1 + e^-|z|), which never forms e^|z|. An undefined loss gives
    /// NaN; <see cref="BinaryLossForwardBackwardCore"/> keeps it from a launch.
    /// </summary>
    private static float BinaryLossValue(BinaryLoss loss, float z, float p, int t) => loss switch
    {
        BinaryLoss.Mnist => t == 1 ? 1f - p : p,
        BinaryLoss.BinaryCrossEntropy => MathF.Max(z, 0f) - z * t + MathF.Log(1f + MathF.Exp(-MathF.Abs(z))),
        BinaryLoss.MeanSquaredError => (p - t) * (p - t),
        _ => float.NaN,
    };

    /// <summary>
    /// d(row loss)/dz from p = sigmoid(z) and target t: mnist_loss (t == 1 ? -1 : 1) p (1 - p);
    /// binary cross-entropy p - t; squared error 2 (p - t) p (1 - p). An undefined loss gives NaN.
    /// </summary>
    private static float BinaryLossSlope(BinaryLoss loss, float p, int t) => loss switch
    {
        BinaryLoss.Mnist => (t == 1 ? -1f : 1f) * p * (1f - p),
        BinaryLoss.BinaryCrossEntropy => p - t,
        BinaryLoss.MeanSquaredError => 2f * (p - t) * p * (1f - p),
        _ => float.NaN,
    };
}
