namespace Descent.Kernels.Reference;

public partial class ReferenceBackend
{
    protected override void SoftmaxCrossEntropyCore(DeviceBuffer<float> logits, DeviceBuffer<int> labels, DeviceBuffer<float> dLogits,
        DeviceBuffer<float> rowStats, DeviceBuffer<float> metrics, int slot, int rows, int cols, float labelSmoothing)
    {
        var logitValues = Widen(logits, rows * cols);
        var labelValues = HostElements(labels).ToArray();
        var rowLoss = new double[rows];
        var rowCorrect = new double[rows];
        var gradient = new double[rows * cols];
        ReferenceMath.SoftmaxCrossEntropyForward(rowLoss, rowCorrect, logitValues, labelValues, rows, cols, labelSmoothing);
        ReferenceMath.SoftmaxCrossEntropyBackward(gradient, logitValues, labelValues, rows, cols, labelSmoothing);
        Store(gradient, dLogits);
        StoreLossOutputs(rowLoss, rowCorrect, rowStats, metrics, slot, rows);
    }

    protected override void BinaryLossForwardBackwardCore(BinaryLoss loss, DeviceBuffer<float> logits, DeviceBuffer<int> targets,
        DeviceBuffer<float> dLogits, DeviceBuffer<float> rowStats, DeviceBuffer<float> metrics, int slot, int rows)
    {
        var logitValues = Widen(logits, rows);
        var targetValues = HostElements(targets).ToArray();
        var rowLoss = new double[rows];
        var rowCorrect = new double[rows];
        var gradient = new double[rows];
        ReferenceMath.BinaryLossForward(loss, rowLoss, rowCorrect, logitValues, targetValues, rows);
        ReferenceMath.BinaryLossBackward(loss, gradient, logitValues, targetValues, rows);
        Store(gradient, dLogits);
        StoreLossOutputs(rowLoss, rowCorrect, rowStats, metrics, slot, rows);
    }

    /// <summary>rowStats = [row losses (B), row correct flags (B)]; the metric slot summed in double from the double row losses.</summary>
    private static void StoreLossOutputs(double[] rowLoss, double[] rowCorrect, DeviceBuffer<float> rowStats,
        DeviceBuffer<float> metrics, int slot, int rows)
    {
        Store(rowLoss, rowStats);
        Store(rowCorrect, rowStats, offset: rows);
        var metricValues = Widen(metrics, metrics.Length);
        ReferenceMath.WriteMetricSlot(metricValues, slot, rowLoss, rowCorrect, rows);
        Store(metricValues.AsSpan(slot * MetricSlot.Width, MetricSlot.Width), metrics, offset: slot * MetricSlot.Width);
    }
}

public static partial class ReferenceMath
{
    // ---------------------------------------------------------------- softmax

    /// <summary>Forward: y (B,C) = softmax of each row of x (B,C), after subtracting the row max so no exp overflows.</summary>
    public static void SoftmaxForward(double[] y, double[] x, int rows, int cols)
    {
        for (var row = 0; row < rows; row++)
        {
            var start = row * cols;
            var max = x[start];
            for (var col = 1; col < cols; col++)
            {
                max = Math.Max(max, x[start + col]);
            }
            var sum = 0.0;
            for (var col = 0; col < cols; col++)
            {
                y[start + col] = Math.Exp(x[start + col] - max);
                sum += y[start + col];
            }
            for (var col = 0; col < cols; col++)
            {
                y[start + col] /= sum;
            }
        }
    }

    // ---------------------------------------------------------------- softmax cross-entropy

    /// <summary>
    /// Forward: rowLoss (B) = -sum_c target[c] log softmax(logits[b])[c] with target = (1 - labelSmoothing) onehot(label)
    /// + labelSmoothing / C (PyTorch's label_smoothing), rowCorrect (B) = 1 where the row's argmax
    /// (the first maximum on ties) is the label, from logits (B,C) and labels (B).
    /// A label outside [0, C) gives a NaN loss and, never equalling the argmax, 0 correct.
    /// </summary>
    public static void SoftmaxCrossEntropyForward(double[] rowLoss, double[] rowCorrect, double[] logits, int[] labels,
        int rows, int cols, double labelSmoothing = 0)
    {
        for (var row = 0; row < rows; row++)
        {
            var start = row * cols;
            var argmax = 0;
            for (var col = 1; col < cols; col++)
            {
                if (logits[start + col] > logits[start + argmax])
                {
                    argmax = col;
                }
            }
            var label = labels[row];
            rowCorrect[row] = argmax == label ? 1 : 0;
            if (label < 0 || label >= cols)
            {
                rowLoss[row] = double.NaN;
                continue;
            }
            var max = logits[start + argmax];
            var sum = 0.0;
            for (var col = 0; col < cols; col++)
            {
                sum += Math.Exp(logits[start + col] - max);
            }
            // -log p_c = log(sum) - (z_c - max), kept as a difference so logits of +-1000 stay exact; the target's
            // weights sum to 1, so the loss is log(sum) less the target-weighted shifted logits.
            var weightedLogits = 0.0;
            for (var col = 0; col < cols; col++)
            {
                var target = (col == label ? 1 - labelSmoothing : 0) + labelSmoothing / cols;
                weightedLogits += target * (logits[start + col] - max);
            }
            rowLoss[row] = Math.Log(sum) - weightedLogits;
        }
    }

    /// <summary>
    /// Backward of the mean loss: dLogits (B,C) = (softmax(logits) - target) / B, target = (1 - labelSmoothing) onehot(label)
    /// + labelSmoothing / C. A row with a label outside [0, C) has a NaN loss, and its gradient is NaN too.
    /// </summary>
    public static void SoftmaxCrossEntropyBackward(double[] dLogits, double[] logits, int[] labels, int rows, int cols,
        double labelSmoothing = 0)
    {
        SoftmaxForward(dLogits, logits, rows, cols);
        for (var row = 0; row < rows; row++)
        {
            var label = labels[row];
            for (var col = 0; col < cols; col++)
            {
                var index = row * cols + col;
                dLogits[index] = label < 0 || label >= cols
                    ? double.NaN
                    : (dLogits[index] - ((col == label ? 1 - labelSmoothing : 0) + labelSmoothing / cols)) / rows;
            }
        }
    }

    // ---------------------------------------------------------------- binary losses

    /// <summary>
    /// Forward: rowLoss (B) and rowCorrect (B) from one logit per row, logits (B), and targets (B) in {0, 1};
    /// p = sigmoid(z). A row is correct when (p &gt; 0.5) == (t == 1), literally, even for a target
    /// outside {0, 1}, whose loss is NaN.
    /// </summary>
    public static void BinaryLossForward(BinaryLoss loss, double[] rowLoss, double[] rowCorrect, double[] logits,
        int[] targets, int rows)
    {
        for (var row = 0; row < rows; row++)
        {
            var z = logits[row];
            var t = targets[row];
            var p = Sigmoid(z);
            rowCorrect[row] = (p > 0.5) == (t == 1) ? 1 : 0;
            rowLoss[row] = t != 0 && t != 1 ? double.NaN : loss switch
            {
                BinaryLoss.Mnist => t == 1 ? 1 - p : p,
                BinaryLoss.BinaryCrossEntropy => Math.Max(z, 0) - z * t + Math.Log(1 + Math.Exp(-Math.Abs(z))),
                BinaryLoss.MeanSquaredError => (p - t) * (p - t),
                _ => throw new ArgumentOutOfRangeException(nameof(loss), loss, "unknown binary loss"),
            };
        }
    }

    /// <summary>
    /// Backward of the mean loss: dLogits (B) = (d loss / dz) / B, with dp/dz = p (1 - p):
    /// mnist -+p(1-p), cross-entropy p - t, squared error 2 (p - t) p (1 - p).
    /// A target outside {0, 1} has a NaN loss, and its gradient is NaN too.
    /// </summary>
    public static void BinaryLossBackward(BinaryLoss loss, double[] dLogits, double[] logits, int[] targets, int rows)
    {
        for (var row = 0; row < rows; row++)
        {
            var t = targets[row];
            var p = Sigmoid(logits[row]);
            var dLossDz = t != 0 && t != 1 ? double.NaN : loss switch
            {
                BinaryLoss.Mnist => (t == 1 ? -1 : 1) * p * (1 - p),
                BinaryLoss.BinaryCrossEntropy => p - t,
                BinaryLoss.MeanSquaredError => 2 * (p - t) * p * (1 - p),
                _ => throw new ArgumentOutOfRangeException(nameof(loss), loss, "unknown binary loss"),
            };
            dLogits[row] = dLossDz / rows;
        }
    }

    // ---------------------------------------------------------------- metrics

    /// <summary>
    /// metrics[slot * Width ..] = (sum of rowLoss (B) in row order, sum of rowCorrect (B), 1 if any row
    /// loss is NaN or infinite else 0); every other slot is left alone.
    /// </summary>
    public static void WriteMetricSlot(double[] metrics, int slot, double[] rowLoss, double[] rowCorrect, int rows)
    {
        var lossSum = 0.0;
        var correct = 0.0;
        var nonFinite = false;
        for (var row = 0; row < rows; row++)
        {
            lossSum += rowLoss[row];
            correct += rowCorrect[row];
            nonFinite |= !double.IsFinite(rowLoss[row]);
        }
        var start = slot * MetricSlot.Width;
        metrics[start + MetricSlot.LossSum] = lossSum;
        metrics[start + MetricSlot.Correct] = correct;
        metrics[start + MetricSlot.NonFinite] = nonFinite ? 1 : 0;
    }
}
