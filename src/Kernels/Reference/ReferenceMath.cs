namespace Descent.Kernels.Reference;

/// <summary>
/// Every op of <see cref="ComputeBackend"/> again, as plain single-threaded loops over double arrays
/// that accumulate in double: the ground truth the conformance suite holds backends to, and the
/// forward that finite differences run through. Nothing here is clever, so each line can be checked by eye.
/// <para>
/// Conventions (llm.c's): outputs come first, then inputs; each backward sits under its forward and
/// takes the gradients first, then what the forward saw. The exact semantics are those documented
/// on <see cref="ComputeBackend"/>; where it leaves a value open, the choice made here is said.
/// </para>
/// Storage is row-major. Shape legend: M, N, K are GEMM sizes (C is M x N, the inner size is K);
/// B is the rows of a batch; C the columns (features or classes) of a row; N an element count.
/// </summary>
public static partial class ReferenceMath
{
    // ---------------------------------------------------------------- memory

    /// <summary>buffer[offset .. offset+count) = value.</summary>
    public static void Fill(double[] buffer, double value, int offset, int count)
    {
        for (var i = offset; i < offset + count; i++)
        {
            buffer[i] = value;
        }
    }

    // ---------------------------------------------------------------- GEMM

    /// <summary>
    /// c = alpha * op(a) * op(b) + beta * c.
    /// op(a) is (M,K): a is stored (M,K), or (K,M) when transposed; op(b) is (K,N): b is stored (K,N),
    /// or (N,K) when transposed; c is (M,N).
    /// </summary>
    public static void Gemm(double[] c, double[] a, double[] b, int m, int n, int k,
        bool transposeA, bool transposeB, double alpha, double beta)
    {
        for (var row = 0; row < m; row++)
        {
            for (var col = 0; col < n; col++)
            {
                var sum = 0.0;
                for (var i = 0; i < k; i++)
                {
                    var aValue = transposeA ? a[i * m + row] : a[row * k + i];
                    var bValue = transposeB ? b[col * k + i] : b[i * n + col];
                    sum += aValue * bValue;
                }
                // beta 0 overwrites: C's old contents, even NaN (0 * NaN is NaN), must not reach the result.
                c[row * n + col] = beta == 0 ? alpha * sum : alpha * sum + beta * c[row * n + col];
            }
        }
    }

    // ---------------------------------------------------------------- bias

    /// <summary>Forward: y (B,C) += bias (C), broadcast over rows.</summary>
    public static void BiasAdd(double[] y, double[] bias, int rows, int cols)
    {
        for (var row = 0; row < rows; row++)
        {
            for (var col = 0; col < cols; col++)
            {
                y[row * cols + col] += bias[col];
            }
        }
    }

    /// <summary>
    /// Backward: dBias (C) = beta * dBias + sum over rows of dY (B,C), rows summed in order.
    /// Beta 0 overwrites, as GEMM's does, so a stale dBias never leaks in.
    /// </summary>
    public static void BiasBackward(double[] dBias, double[] dY, int rows, int cols, double beta)
    {
        for (var col = 0; col < cols; col++)
        {
            var sum = 0.0;
            for (var row = 0; row < rows; row++)
            {
                sum += dY[row * cols + col];
            }
            dBias[col] = beta == 0 ? sum : beta * dBias[col] + sum;
        }
    }

    // ---------------------------------------------------------------- activations

    /// <summary>Leaky ReLU's slope for x &lt;= 0, in float as the backends use it: 0.01f widened.</summary>
    public const double LeakyReluSlope = 0.01f;

    /// <summary>f(x) for one element.</summary>
    public static double Activate(Activation activation, double x) => activation switch
    {
        Activation.Relu => Math.Max(x, 0),
        Activation.Sigmoid => Sigmoid(x),
        Activation.Tanh => Math.Tanh(x),
        Activation.LeakyRelu => x > 0 ? x : LeakyReluSlope * x,
        _ => throw new ArgumentOutOfRangeException(nameof(activation), activation, "unknown activation"),
    };

    /// <summary>1 / (1 + e^-z), in the form that never divides infinity by infinity.</summary>
    public static double Sigmoid(double z) => z >= 0 ? 1 / (1 + Math.Exp(-z)) : Math.Exp(z) / (1 + Math.Exp(z));

    /// <summary>Forward: y (N) = f(x (N)).</summary>
    public static void ActivationForward(Activation activation, double[] y, double[] x, int count)
    {
        for (var i = 0; i < count; i++)
        {
            y[i] = Activate(activation, x[i]);
        }
    }

    /// <summary>Backward: dX (N) = dY (N) * f'(x), with f' written in terms of the forward output y (N).</summary>
    public static void ActivationBackward(Activation activation, double[] dX, double[] dY, double[] y, int count)
    {
        for (var i = 0; i < count; i++)
        {
            dX[i] = activation switch
            {
                // Selecting rather than multiplying by 0 keeps a non-finite dY out of inactive units.
                Activation.Relu => y[i] > 0 ? dY[i] : 0,
                Activation.Sigmoid => dY[i] * y[i] * (1 - y[i]),
                Activation.Tanh => dY[i] * (1 - y[i] * y[i]),
                Activation.LeakyRelu => y[i] > 0 ? dY[i] : LeakyReluSlope * dY[i],
                _ => throw new ArgumentOutOfRangeException(nameof(activation), activation, "unknown activation"),
            };
        }
    }

    // ---------------------------------------------------------------- add

    /// <summary>y (N) = a (N) + b (N); y may be a or b.</summary>
    public static void Add(double[] y, double[] a, double[] b, int count)
    {
        for (var i = 0; i < count; i++)
        {
            y[i] = a[i] + b[i];
        }
    }

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
    /// Forward: rowLoss (B) = -log softmax(logits[b])[label], rowCorrect (B) = 1 where the row's argmax
    /// (the first maximum on ties) is the label, from logits (B,C) and labels (B).
    /// A label outside [0, C) gives a NaN loss and, never equalling the argmax, 0 correct.
    /// </summary>
    public static void SoftmaxCrossEntropyForward(double[] rowLoss, double[] rowCorrect, double[] logits, int[] labels,
        int rows, int cols)
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
            // -log(e^(z_label - max) / sum), kept as a difference so logits of +-1000 stay exact.
            rowLoss[row] = Math.Log(sum) - (logits[start + label] - max);
        }
    }

    /// <summary>
    /// Backward of the mean loss: dLogits (B,C) = (softmax(logits) - onehot(label)) / B.
    /// A row with a label outside [0, C) has a NaN loss, and its gradient is NaN too.
    /// </summary>
    public static void SoftmaxCrossEntropyBackward(double[] dLogits, double[] logits, int[] labels, int rows, int cols)
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
                    : (dLogits[index] - (col == label ? 1 : 0)) / rows;
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

    // ---------------------------------------------------------------- optimizers

    /// <summary>
    /// SGD in place over parameters, velocity and gradients (N), PyTorch's form:
    /// g = grad + weightDecay * param; velocity = momentum * velocity + g; param -= learningRate * velocity.
    /// </summary>
    public static void SgdUpdate(double[] parameters, double[] velocity, double[] gradients, int count,
        double learningRate, double momentum, double weightDecay)
    {
        for (var i = 0; i < count; i++)
        {
            var g = gradients[i] + weightDecay * parameters[i];
            velocity[i] = momentum * velocity[i] + g;
            parameters[i] -= learningRate * velocity[i];
        }
    }

    /// <summary>1 - beta^step, the bias correction of an Adam moment after <paramref name="step"/> steps.</summary>
    public static double AdamBiasCorrection(double beta, int step) => 1 - Math.Pow(beta, step);

    /// <summary>
    /// AdamW in place over parameters, both moments and gradients (N), weight decay decoupled:
    /// param -= lr * wd * param; m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g^2;
    /// param -= lr * (m / biasCorrection1) / (sqrt(v / biasCorrection2) + eps).
    /// </summary>
    public static void AdamWUpdate(double[] parameters, double[] firstMoment, double[] secondMoment, double[] gradients,
        int count, AdamWStep step)
    {
        double learningRate = step.LearningRate;
        double beta1 = step.Beta1;
        double beta2 = step.Beta2;
        double biasCorrection1 = step.BiasCorrection1;
        double biasCorrection2 = step.BiasCorrection2;
        for (var i = 0; i < count; i++)
        {
            var g = gradients[i];
            parameters[i] -= learningRate * step.WeightDecay * parameters[i];
            firstMoment[i] = beta1 * firstMoment[i] + (1 - beta1) * g;
            secondMoment[i] = beta2 * secondMoment[i] + (1 - beta2) * g * g;
            var mHat = firstMoment[i] / biasCorrection1;
            var vHat = secondMoment[i] / biasCorrection2;
            parameters[i] -= learningRate * mHat / (Math.Sqrt(vHat) + step.Epsilon);
        }
    }

    // ---------------------------------------------------------------- data

    /// <summary>
    /// Gathers inputs (count,F) and batchLabels (count) from a dataset of pixels (items,F) as bytes and
    /// labels (items), each item C = scales.Length planes of F / C features: item = order[start + i];
    /// inputs[i, f] = pixels[item, f] * scales[c] + shifts[c] with c = f / (F / C);
    /// batchLabels[i] = labels[item]. An item outside the dataset gives zeros and label -1.
    /// </summary>
    public static void GatherBatch(double[] inputs, int[] batchLabels, byte[] pixels, int[] labels, int[] order,
        int start, int count, int features, double[] scales, double[] shifts)
    {
        var items = pixels.Length / features;
        var planeSize = features / scales.Length;
        for (var i = 0; i < count; i++)
        {
            var item = order[start + i];
            var inDataset = item >= 0 && item < items;
            for (var f = 0; f < features; f++)
            {
                var channel = f / planeSize;
                inputs[i * features + f] = inDataset ? pixels[item * features + f] * scales[channel] + shifts[channel] : 0;
            }
            batchLabels[i] = inDataset ? labels[item] : -1;
        }
    }
}
