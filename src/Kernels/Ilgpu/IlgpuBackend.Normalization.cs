using ILGPU;
using ILGPU.Algorithms;
using ILGPU.Runtime;

namespace Descent.Kernels.Ilgpu;

// Batch normalisation: x, y, dY and dX are (N, C, P) with P the plane size; weight, bias, the running and the saved
// statistics, dWeight and dBias are (C).
public sealed partial class IlgpuBackend
{
    private Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>,
        ArrayView<float>, ArrayView<float>, BatchNormShape, float, float, int>? launchBatchNormTraining;
    private Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>,
        BatchNormShape, float, int>? launchBatchNormEvaluation;
    private Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>,
        ArrayView<float>, ArrayView<float>, BatchNormShape, int>? launchBatchNormBackward;

    protected override void BatchNormForwardTrainingCore(DeviceBuffer<float> x, DeviceBuffer<float> weight, DeviceBuffer<float> bias,
        DeviceBuffer<float> runningMean, DeviceBuffer<float> runningVar, DeviceBuffer<float> y, DeviceBuffer<float> saveMean,
        DeviceBuffer<float> saveInvStd, BatchNormShape shape, float momentum, float eps)
    {
        launchBatchNormTraining ??= accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>,
            ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, BatchNormShape, float, float, int>(
            BatchNormTrainingKernel);
        var threads = Threads(shape.Channels);
        Launches++;
        launchBatchNormTraining(threads, View(x), View(weight), View(bias), View(runningMean), View(runningVar), View(y), View(saveMean),
            View(saveInvStd), shape, momentum, eps, threads);
    }

    protected override void BatchNormForwardEvaluationCore(DeviceBuffer<float> x, DeviceBuffer<float> weight, DeviceBuffer<float> bias,
        DeviceBuffer<float> runningMean, DeviceBuffer<float> runningVar, DeviceBuffer<float> y, BatchNormShape shape, float eps)
    {
        launchBatchNormEvaluation ??= accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>,
            ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, BatchNormShape, float, int>(BatchNormEvaluationKernel);
        var threads = Threads(shape.Length);
        Launches++;
        launchBatchNormEvaluation(threads, View(x), View(weight), View(bias), View(runningMean), View(runningVar), View(y), shape, eps,
            threads);
    }

    protected override void BatchNormBackwardCore(DeviceBuffer<float> dY, DeviceBuffer<float> x, DeviceBuffer<float> weight,
        DeviceBuffer<float> saveMean, DeviceBuffer<float> saveInvStd, DeviceBuffer<float> dX, DeviceBuffer<float> dWeight,
        DeviceBuffer<float> dBias, BatchNormShape shape)
    {
        launchBatchNormBackward ??= accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>,
            ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, BatchNormShape, int>(
            BatchNormBackwardKernel);
        var threads = Threads(shape.Channels);
        Launches++;
        launchBatchNormBackward(threads, View(dY), View(x), View(weight), View(saveMean), View(saveInvStd), View(dX), View(dWeight),
            View(dBias), shape, threads);
    }

    /// <summary>
    /// One thread per channel: the mean, then the sum of squared deviations, each added in (n, plane) order (so the
    /// result is the same on every run, with no atomics), then y and the statistics. Float throughout: the PTX
    /// holds no doubles.
    /// </summary>
    [IlgpuKernel]
    internal static void BatchNormTrainingKernel(Index1D index, ArrayView<float> x, ArrayView<float> weight, ArrayView<float> bias,
        ArrayView<float> runningMean, ArrayView<float> runningVar, ArrayView<float> y, ArrayView<float> saveMean,
        ArrayView<float> saveInvStd, BatchNormShape shape, float momentum, float eps, int stride)
    {
        var plane = shape.PlaneSize;
        var count = (float)(shape.Batch * plane);
        for (var c = (int)index; c < shape.Channels; c += stride)
        {
            var sum = 0f;
            for (var n = 0; n < shape.Batch; n++)
            {
                var offset = (n * shape.Channels + c) * plane;
                for (var p = 0; p < plane; p++)
                {
                    sum += x[offset + p];
                }
            }
            var mean = sum / count;
            var squares = 0f;
            for (var n = 0; n < shape.Batch; n++)
            {
                var offset = (n * shape.Channels + c) * plane;
                for (var p = 0; p < plane; p++)
                {
                    var deviation = x[offset + p] - mean;
                    squares += deviation * deviation;
                }
            }
            var invStd = XMath.Rsqrt(squares / count + eps);
            var scale = invStd * weight[c];
            var shift = bias[c];
            for (var n = 0; n < shape.Batch; n++)
            {
                var offset = (n * shape.Channels + c) * plane;
                for (var p = 0; p < plane; p++)
                {
                    y[offset + p] = (x[offset + p] - mean) * scale + shift;
                }
            }
            saveMean[c] = mean;
            saveInvStd[c] = invStd;
            runningMean[c] = (1f - momentum) * runningMean[c] + momentum * mean;
            runningVar[c] = (1f - momentum) * runningVar[c] + momentum * (squares / (count - 1f));
        }
    }

    /// <summary>One element per thread: y = (x - runningMean) / sqrt(runningVar + eps) * weight + bias of its channel.</summary>
    [IlgpuKernel]
    internal static void BatchNormEvaluationKernel(Index1D index, ArrayView<float> x, ArrayView<float> weight, ArrayView<float> bias,
        ArrayView<float> runningMean, ArrayView<float> runningVar, ArrayView<float> y, BatchNormShape shape, float eps, int stride)
    {
        var count = shape.Batch * shape.Channels * shape.PlaneSize;
        for (var i = (int)index; i < count; i += stride)
        {
            var c = i / shape.PlaneSize % shape.Channels;
            y[i] = (x[i] - runningMean[c]) * XMath.Rsqrt(runningVar[c] + eps) * weight[c] + bias[c];
        }
    }

    /// <summary>One thread per channel: sum dY and sum dY * xhat in (n, plane) order, then dX through the batch statistics.</summary>
    [IlgpuKernel]
    internal static void BatchNormBackwardKernel(Index1D index, ArrayView<float> dY, ArrayView<float> x, ArrayView<float> weight,
        ArrayView<float> saveMean, ArrayView<float> saveInvStd, ArrayView<float> dX, ArrayView<float> dWeight, ArrayView<float> dBias,
        BatchNormShape shape, int stride)
    {
        var plane = shape.PlaneSize;
        var count = (float)(shape.Batch * plane);
        for (var c = (int)index; c < shape.Channels; c += stride)
        {
            var mean = saveMean[c];
            var invStd = saveInvStd[c];
            var sumDY = 0f;
            var sumDYXhat = 0f;
            for (var n = 0; n < shape.Batch; n++)
            {
                var offset = (n * shape.Channels + c) * plane;
                for (var p = 0; p < plane; p++)
                {
                    sumDY += dY[offset + p];
                    sumDYXhat += dY[offset + p] * ((x[offset + p] - mean) * invStd);
                }
            }
            dBias[c] = sumDY;
            dWeight[c] = sumDYXhat;
            var scale = weight[c] * invStd;
            var meanDY = sumDY / count;
            var meanDYXhat = sumDYXhat / count;
            for (var n = 0; n < shape.Batch; n++)
            {
                var offset = (n * shape.Channels + c) * plane;
                for (var p = 0; p < plane; p++)
                {
                    var xhat = (x[offset + p] - mean) * invStd;
                    dX[offset + p] = scale * (dY[offset + p] - meanDY - xhat * meanDYXhat);
                }
            }
        }
    }
}
