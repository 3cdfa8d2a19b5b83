using ILGPU;

namespace Descent.Kernels.Ilgpu;

/// <summary>
/// Losses fused with their gradient: one pass per row writes the row's loss and correct flag into
/// rowStats (2B) = [losses (B), correct flags (B)] and the gradient of the mean loss into dLogits;
/// then <see cref="ReduceMetrics"/> sums rowStats into one metric slot. logits and dLogits are (B,C)
/// for softmax cross-entropy and (B) for the binary losses; labels and targets are (B).
/// One thread per row, rows walked with a grid stride (<c>stride</c> = threads launched).
/// A label or target outside its range gives the row a NaN loss, which raises the non-finite flag,
/// and a zero gradient, so one bad row cannot poison the weights on its way to that flag.
/// </summary>
internal static class LossKernels
{
    /// <summary>
    /// rowLoss = logsumexp(z) - z_label, computed as log(sum e^(z - max)) - (z_label - max) so logits of
    /// +-1000 stay finite; correct = argmax (the first maximum) == label; dLogits = (softmax(z) - onehot) / B.
    /// </summary>
    public static void SoftmaxCrossEntropy(Index1D index, ArrayView<float> logits, ArrayView<int> labels,
        ArrayView<float> dLogits, ArrayView<float> rowStats, int rows, int cols, int stride)
    {
        for (long r = index; r < rows; r += stride)
        {
            var row = (int)r;
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
            for (var col = 0; col < cols; col++)
            {
                sum += MathF.Exp(logits[start + col] - max);
            }

            var label = labels[row];
            var validLabel = label >= 0 && label < cols;
            // Never index with a bad label, not even in a branch the compiler might turn into a select.
            var labelColumn = validLabel ? label : 0;
            rowStats[row] = validLabel ? MathF.Log(sum) - (logits[start + labelColumn] - max) : float.NaN;
            rowStats[rows + row] = argmax == label ? 1f : 0f;
            for (var col = 0; col < cols; col++)
            {
                var p = MathF.Exp(logits[start + col] - max) / sum;
                dLogits[start + col] = validLabel ? (p - (col == label ? 1f : 0f)) / rows : 0f;
            }
        }
    }

    /// <summary>
    /// The lesson's mnist_loss: loss = where(t == 1, 1 - p, p) with p = sigmoid(z);
    /// dLogits = (t == 1 ? -1 : 1) * p * (1 - p) / B.
    /// </summary>
    public static void Mnist(Index1D index, ArrayView<float> logits, ArrayView<int> targets, ArrayView<float> dLogits,
        ArrayView<float> rowStats, int rows, int stride)
    {
        for (long r = index; r < rows; r += stride)
        {
            var row = (int)r;
            var t = targets[row];
            var p = DeviceMath.Sigmoid(logits[row]);
            var sign = t == 1 ? -1f : 1f;
            WriteBinaryRow(rowStats, dLogits, row, rows, t, p, t == 1 ? 1f - p : p, sign * p * (1f - p));
        }
    }

    /// <summary>
    /// Binary cross-entropy with logits in its stable form: loss = max(z, 0) - z t + log(1 + e^-|z|),
    /// which never forms e^|z|; dLogits = (p - t) / B.
    /// </summary>
    public static void BinaryCrossEntropy(Index1D index, ArrayView<float> logits, ArrayView<int> targets,
        ArrayView<float> dLogits, ArrayView<float> rowStats, int rows, int stride)
    {
        for (long r = index; r < rows; r += stride)
        {
            var row = (int)r;
            var t = targets[row];
            var z = logits[row];
            var p = DeviceMath.Sigmoid(z);
            var loss = MathF.Max(z, 0f) - z * t + MathF.Log(1f + MathF.Exp(-MathF.Abs(z)));
            WriteBinaryRow(rowStats, dLogits, row, rows, t, p, loss, p - t);
        }
    }

    /// <summary>Squared error of the probability: loss = (p - t)^2; dLogits = 2 (p - t) p (1 - p) / B.</summary>
    public static void MeanSquaredError(Index1D index, ArrayView<float> logits, ArrayView<int> targets,
        ArrayView<float> dLogits, ArrayView<float> rowStats, int rows, int stride)
    {
        for (long r = index; r < rows; r += stride)
        {
            var row = (int)r;
            var t = targets[row];
            var p = DeviceMath.Sigmoid(logits[row]);
            var error = p - t;
            WriteBinaryRow(rowStats, dLogits, row, rows, t, p, error * error, 2f * error * p * (1f - p));
        }
    }

    /// <summary>
    /// Single thread: metrics[slot*3 ..] = (sum of row losses, sum of correct flags, 1 if any row loss is
    /// NaN or infinite else 0), adding rows in order. A fixed order and no float atomics make the
    /// result bit-reproducible; B is a batch, so one thread's loop is short.
    /// </summary>
    public static void ReduceMetrics(Index1D index, ArrayView<float> rowStats, ArrayView<float> metrics, int slot, int rows)
    {
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
    /// Stores one binary-loss row: correct is (p &gt; 0.5) == (t == 1), as <see cref="BinaryLoss"/> defines it;
    /// a target outside {0, 1} gets a NaN loss and a zero gradient.
    /// </summary>
    private static void WriteBinaryRow(ArrayView<float> rowStats, ArrayView<float> dLogits, int row, int rows, int target,
        float p, float loss, float dLossDz)
    {
        var validTarget = target == 0 || target == 1;
        rowStats[row] = validTarget ? loss : float.NaN;
        rowStats[rows + row] = (p > 0.5f) == (target == 1) ? 1f : 0f;
        dLogits[row] = validTarget ? dLossDz / rows : 0f;
    }
}
