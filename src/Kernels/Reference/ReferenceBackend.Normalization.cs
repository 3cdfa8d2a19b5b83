namespace Descent.Kernels.Reference;

/// <summary>Batch normalisation: each op widens its inputs, runs <see cref="ReferenceMath"/>'s loops, and stores the results.</summary>
public partial class ReferenceBackend
{
    protected override void BatchNormForwardTrainingCore(DeviceBuffer<float> x, DeviceBuffer<float> weight, DeviceBuffer<float> bias,
        DeviceBuffer<float> runningMean, DeviceBuffer<float> runningVar, DeviceBuffer<float> y, DeviceBuffer<float> saveMean,
        DeviceBuffer<float> saveInvStd, BatchNormShape shape, float momentum, float eps)
    {
        var channels = shape.Channels;
        var (result, mean, invStd) = (new double[shape.Length], new double[channels], new double[channels]);
        var (newMean, newVar) = (Widen(runningMean, channels), Widen(runningVar, channels));
        ReferenceMath.BatchNormForwardTraining(result, mean, invStd, newMean, newVar, Widen(x, (int)shape.Length),
            Widen(weight, channels), Widen(bias, channels), shape, momentum, eps);
        Store(result, y);
        Store(mean, saveMean);
        Store(invStd, saveInvStd);
        Store(newMean, runningMean);
        Store(newVar, runningVar);
    }

    protected override void BatchNormForwardEvaluationCore(DeviceBuffer<float> x, DeviceBuffer<float> weight, DeviceBuffer<float> bias,
        DeviceBuffer<float> runningMean, DeviceBuffer<float> runningVar, DeviceBuffer<float> y, BatchNormShape shape, float eps)
    {
        var channels = shape.Channels;
        var result = new double[shape.Length];
        ReferenceMath.BatchNormForwardEvaluation(result, Widen(x, (int)shape.Length), Widen(weight, channels), Widen(bias, channels),
            Widen(runningMean, channels), Widen(runningVar, channels), shape, eps);
        Store(result, y);
    }

    protected override void BatchNormBackwardCore(DeviceBuffer<float> dY, DeviceBuffer<float> x, DeviceBuffer<float> weight,
        DeviceBuffer<float> saveMean, DeviceBuffer<float> saveInvStd, DeviceBuffer<float> dX, DeviceBuffer<float> dWeight,
        DeviceBuffer<float> dBias, BatchNormShape shape)
    {
        var channels = shape.Channels;
        var (inputGradient, weightGradient, biasGradient) = (new double[shape.Length], new double[channels], new double[channels]);
        ReferenceMath.BatchNormBackward(inputGradient, weightGradient, biasGradient, Widen(dY, (int)shape.Length),
            Widen(x, (int)shape.Length), Widen(weight, channels), Widen(saveMean, channels), Widen(saveInvStd, channels), shape);
        Store(inputGradient, dX);
        Store(weightGradient, dWeight);
        Store(biasGradient, dBias);
    }
}

// Layouts: x, y, dY and dX (N, C, P) with P the plane size (H * W, or 1 for rows); everything else (C).
public static partial class ReferenceMath
{
    // ---------------------------------------------------------------- batch normalisation

    /// <summary>
    /// Training forward: per channel, the mean and biased variance of its N * P values normalise it, y = xhat * weight + bias;
    /// mean and invStd = 1 / sqrt(var + eps) are returned for the backward, and the running statistics move by momentum
    /// towards the mean and the unbiased variance (PyTorch's update).
    /// </summary>
    public static void BatchNormForwardTraining(double[] y, double[] mean, double[] invStd, double[] runningMean, double[] runningVar,
        double[] x, double[] weight, double[] bias, BatchNormShape shape, double momentum, double eps)
    {
        var count = (double)shape.ValuesPerChannel;
        for (var c = 0; c < shape.Channels; c++)
        {
            var sum = 0.0;
            foreach (var index in ChannelIndices(shape, c))
            {
                sum += x[index];
            }
            mean[c] = sum / count;
            var squares = 0.0;
            foreach (var index in ChannelIndices(shape, c))
            {
                squares += (x[index] - mean[c]) * (x[index] - mean[c]);
            }
            var variance = squares / count;
            invStd[c] = 1 / Math.Sqrt(variance + eps);
            foreach (var index in ChannelIndices(shape, c))
            {
                y[index] = (x[index] - mean[c]) * invStd[c] * weight[c] + bias[c];
            }
            runningMean[c] = (1 - momentum) * runningMean[c] + momentum * mean[c];
            runningVar[c] = (1 - momentum) * runningVar[c] + momentum * (squares / (count - 1));
        }
    }

    /// <summary>Evaluation forward: y = (x - runningMean) / sqrt(runningVar + eps) * weight + bias, per channel.</summary>
    public static void BatchNormForwardEvaluation(double[] y, double[] x, double[] weight, double[] bias, double[] runningMean,
        double[] runningVar, BatchNormShape shape, double eps)
    {
        for (var c = 0; c < shape.Channels; c++)
        {
            var invStd = 1 / Math.Sqrt(runningVar[c] + eps);
            foreach (var index in ChannelIndices(shape, c))
            {
                y[index] = (x[index] - runningMean[c]) * invStd * weight[c] + bias[c];
            }
        }
    }

    /// <summary>
    /// Backward through the batch statistics: dBias = sum dY, dWeight = sum dY * xhat, and
    /// dX = weight * invStd * (dY - dBias / M - xhat * dWeight / M) over the channel's M values.
    /// </summary>
    public static void BatchNormBackward(double[] dX, double[] dWeight, double[] dBias, double[] dY, double[] x, double[] weight,
        double[] mean, double[] invStd, BatchNormShape shape)
    {
        var count = (double)shape.ValuesPerChannel;
        for (var c = 0; c < shape.Channels; c++)
        {
            var (sumDY, sumDYXhat) = (0.0, 0.0);
            foreach (var index in ChannelIndices(shape, c))
            {
                sumDY += dY[index];
                sumDYXhat += dY[index] * (x[index] - mean[c]) * invStd[c];
            }
            dBias[c] = sumDY;
            dWeight[c] = sumDYXhat;
            foreach (var index in ChannelIndices(shape, c))
            {
                var xhat = (x[index] - mean[c]) * invStd[c];
                dX[index] = weight[c] * invStd[c] * (dY[index] - sumDY / count - xhat * sumDYXhat / count);
            }
        }
    }

    /// <summary>The indices of channel c's values, image by image and along the plane.</summary>
    private static IEnumerable<int> ChannelIndices(BatchNormShape shape, int channel)
    {
        for (var n = 0; n < shape.Batch; n++)
        {
            var start = (n * shape.Channels + channel) * shape.PlaneSize;
            for (var p = 0; p < shape.PlaneSize; p++)
            {
                yield return start + p;
            }
        }
    }
}
