namespace Descent.Kernels;

/// <summary>
/// Batch normalisation, PyTorch's BatchNorm2d over (N, H, W) per channel and BatchNorm1d over N per feature,
/// forward in training and in evaluation, and the backward through the batch statistics. Each output is
/// overwritten; every reduction runs over one channel's values in a fixed order, so the ops are deterministic.
/// </summary>
public abstract partial class ComputeBackend
{
    /// <summary>
    /// Training: per channel c, mean = the batch mean of x and var = its biased variance (over N and the plane);
    /// y = (x - mean) * invStd * weight[c] + bias[c] with invStd = 1 / sqrt(var + eps); saveMean[c] = mean and
    /// saveInvStd[c] = invStd for the backward; runningMean = (1 - momentum) * runningMean + momentum * mean and
    /// runningVar likewise with the unbiased variance, var * M / (M - 1) for the channel's M values.
    /// x and y are (N, C, plane); the others (C).
    /// </summary>
    [BackendOp]
    public void BatchNormForwardTraining(DeviceBuffer<float> x, DeviceBuffer<float> weight, DeviceBuffer<float> bias,
        DeviceBuffer<float> runningMean, DeviceBuffer<float> runningVar, DeviceBuffer<float> y, DeviceBuffer<float> saveMean,
        DeviceBuffer<float> saveInvStd, BatchNormShape shape, float momentum, float eps)
    {
        CheckBatchNorm(shape, eps);
        if (shape.ValuesPerChannel < 2)
        {
            throw new InvalidInputException(
                $"batch normalisation in training needs more than one value per channel, got input {shape}: " +
                "a single value has no variance (PyTorch refuses it too); use a larger batch");
        }
        if (!(momentum >= 0 && momentum <= 1))
        {
            throw new InvalidInputException($"batch normalisation's momentum must lie in [0, 1], got {momentum}");
        }
        CheckTensor(x, shape.Length, nameof(x));
        CheckChannels(shape, weight, bias, runningMean, runningVar);
        CheckTensor(y, shape.Length, nameof(y));
        CheckTensor(saveMean, shape.Channels, nameof(saveMean));
        CheckTensor(saveInvStd, shape.Channels, nameof(saveInvStd));
        CheckDistinct(x, y, "BatchNormForwardTraining", "x", "y");
        BatchNormForwardTrainingCore(x, weight, bias, runningMean, runningVar, y, saveMean, saveInvStd, shape, momentum, eps);
    }

    /// <summary>Evaluation: y = (x - runningMean[c]) / sqrt(runningVar[c] + eps) * weight[c] + bias[c]; x and y (N, C, plane). y may be x.</summary>
    [BackendOp]
    public void BatchNormForwardEvaluation(DeviceBuffer<float> x, DeviceBuffer<float> weight, DeviceBuffer<float> bias,
        DeviceBuffer<float> runningMean, DeviceBuffer<float> runningVar, DeviceBuffer<float> y, BatchNormShape shape, float eps)
    {
        CheckBatchNorm(shape, eps);
        CheckTensor(x, shape.Length, nameof(x));
        CheckChannels(shape, weight, bias, runningMean, runningVar);
        CheckTensor(y, shape.Length, nameof(y));
        CheckSameOrApart(x, y, (int)shape.Length, "BatchNormForwardEvaluation", "x", "y");
        BatchNormForwardEvaluationCore(x, weight, bias, runningMean, runningVar, y, shape, eps);
    }

    /// <summary>
    /// Backward through the batch statistics (PyTorch's formula), with xhat = (x - saveMean[c]) * saveInvStd[c] and
    /// M values per channel: dBias[c] = sum dY, dWeight[c] = sum dY * xhat, and
    /// dX = weight[c] * saveInvStd[c] * (dY - dBias[c] / M - xhat * dWeight[c] / M). dY, x, dX (N, C, plane); the others (C).
    /// dWeight and dBias are overwritten, not accumulated.
    /// </summary>
    [BackendOp]
    public void BatchNormBackward(DeviceBuffer<float> dY, DeviceBuffer<float> x, DeviceBuffer<float> weight,
        DeviceBuffer<float> saveMean, DeviceBuffer<float> saveInvStd, DeviceBuffer<float> dX, DeviceBuffer<float> dWeight,
        DeviceBuffer<float> dBias, BatchNormShape shape)
    {
        CheckBatchNorm(shape, 1e-5f);
        CheckTensor(dY, shape.Length, nameof(dY));
        CheckTensor(x, shape.Length, nameof(x));
        CheckTensor(weight, shape.Channels, nameof(weight));
        CheckTensor(saveMean, shape.Channels, nameof(saveMean));
        CheckTensor(saveInvStd, shape.Channels, nameof(saveInvStd));
        CheckTensor(dX, shape.Length, nameof(dX));
        CheckTensor(dWeight, shape.Channels, nameof(dWeight));
        CheckTensor(dBias, shape.Channels, nameof(dBias));
        CheckDistinct(dY, dX, "BatchNormBackward", "dY", "dX");
        CheckDistinct(x, dX, "BatchNormBackward", "x", "dX");
        BatchNormBackwardCore(dY, x, weight, saveMean, saveInvStd, dX, dWeight, dBias, shape);
    }

    // ---------------------------------------------------------------- implementation hooks

    protected abstract void BatchNormForwardTrainingCore(DeviceBuffer<float> x, DeviceBuffer<float> weight, DeviceBuffer<float> bias,
        DeviceBuffer<float> runningMean, DeviceBuffer<float> runningVar, DeviceBuffer<float> y, DeviceBuffer<float> saveMean,
        DeviceBuffer<float> saveInvStd, BatchNormShape shape, float momentum, float eps);

    protected abstract void BatchNormForwardEvaluationCore(DeviceBuffer<float> x, DeviceBuffer<float> weight, DeviceBuffer<float> bias,
        DeviceBuffer<float> runningMean, DeviceBuffer<float> runningVar, DeviceBuffer<float> y, BatchNormShape shape, float eps);

    protected abstract void BatchNormBackwardCore(DeviceBuffer<float> dY, DeviceBuffer<float> x, DeviceBuffer<float> weight,
        DeviceBuffer<float> saveMean, DeviceBuffer<float> saveInvStd, DeviceBuffer<float> dX, DeviceBuffer<float> dWeight,
        DeviceBuffer<float> dBias, BatchNormShape shape);

    private static void CheckBatchNorm(BatchNormShape shape, float eps)
    {
        if (shape.Problem is { } problem)
        {
            throw new InvalidInputException($"batch normalisation of {shape} is not valid: {problem}");
        }
        if (!(eps > 0))
        {
            throw new InvalidInputException($"batch normalisation's eps must be positive, got {eps}");
        }
    }

    private void CheckChannels(BatchNormShape shape, DeviceBuffer<float> weight, DeviceBuffer<float> bias,
        DeviceBuffer<float> runningMean, DeviceBuffer<float> runningVar)
    {
        CheckTensor(weight, shape.Channels, nameof(weight));
        CheckTensor(bias, shape.Channels, nameof(bias));
        CheckTensor(runningMean, shape.Channels, nameof(runningMean));
        CheckTensor(runningVar, shape.Channels, nameof(runningVar));
    }
}

/// <summary>
/// The input of a batch normalisation, (Batch, Channels, PlaneSize) in that order: an NCHW image batch has
/// PlaneSize = H * W (BatchNorm2d), a batch of feature rows PlaneSize = 1 (BatchNorm1d).
/// </summary>
public readonly record struct BatchNormShape(int Batch, int Channels, int PlaneSize)
{
    public long Length => (long)Batch * Channels * PlaneSize;

    /// <summary>How many values each channel's statistics are taken over: N * plane.</summary>
    public long ValuesPerChannel => (long)Batch * PlaneSize;

    /// <summary>Why this shape cannot be normalised, or null when it can.</summary>
    public string? Problem =>
        Batch <= 0 || Channels <= 0 || PlaneSize <= 0 ? "every size must be positive"
        : Length > int.MaxValue ? "its input exceeds 2^31 - 1 elements"
        : null;
}
