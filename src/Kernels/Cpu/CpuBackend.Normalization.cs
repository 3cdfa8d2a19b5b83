using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Descent.Kernels.Cpu;

public sealed unsafe partial class CpuBackend
{
    protected override void BatchNormForwardTrainingCore(DeviceBuffer<float> x, DeviceBuffer<float> weight, DeviceBuffer<float> bias,
        DeviceBuffer<float> runningMean, DeviceBuffer<float> runningVar, DeviceBuffer<float> y, DeviceBuffer<float> saveMean,
        DeviceBuffer<float> saveInvStd, BatchNormShape shape, float momentum, float eps) =>
        RunChannels(new BatchNormTrainingKernel(Pointer(x), Pointer(weight), Pointer(bias), Pointer(runningMean), Pointer(runningVar),
            Pointer(y), Pointer(saveMean), Pointer(saveInvStd), shape, momentum, eps), shape);

    protected override void BatchNormForwardEvaluationCore(DeviceBuffer<float> x, DeviceBuffer<float> weight, DeviceBuffer<float> bias,
        DeviceBuffer<float> runningMean, DeviceBuffer<float> runningVar, DeviceBuffer<float> y, BatchNormShape shape, float eps) =>
        RunChannels(new BatchNormEvaluationKernel(Pointer(x), Pointer(weight), Pointer(bias), Pointer(runningMean), Pointer(runningVar),
            Pointer(y), shape, eps), shape);

    protected override void BatchNormBackwardCore(DeviceBuffer<float> dY, DeviceBuffer<float> x, DeviceBuffer<float> weight,
        DeviceBuffer<float> saveMean, DeviceBuffer<float> saveInvStd, DeviceBuffer<float> dX, DeviceBuffer<float> dWeight,
        DeviceBuffer<float> dBias, BatchNormShape shape) =>
        RunChannels(new BatchNormBackwardKernel(Pointer(dY), Pointer(x), Pointer(weight), Pointer(saveMean), Pointer(saveInvStd),
            Pointer(dX), Pointer(dWeight), Pointer(dBias), shape), shape);

    /// <summary>
    /// One item per channel, each channel wholly on one thread, so its sums run in one order however the channels are
    /// split; small tensors stay on the calling thread, where a dispatch would cost more than it saves.
    /// </summary>
    private void RunChannels<TKernel>(in TKernel kernel, BatchNormShape shape) where TKernel : struct, IRangeKernel =>
        pool.Run(kernel, shape.Channels, 1, shape.Length < SerialElementsBelow ? shape.Channels + 1 : 2);
}

/// <summary>
/// Batch normalisation's training forward over whole channels: the mean, then the sum of squared deviations (two
/// passes, so a large mean does not cancel the variance away), both accumulated in double, each in eight lanes (two
/// vectors of four) over a plane's values in order, lane 0 first at each plane's start, then the lanes added in a fixed
/// order and the plane's last values after them: one order whatever the thread, and eight chains of additions where one
/// would wait on each add's latency. The normalisation itself is <see cref="NormalizedPlane"/>.
/// </summary>
internal unsafe struct BatchNormTrainingKernel(float* x, float* weight, float* bias, float* runningMean, float* runningVar, float* y,
    float* saveMean, float* saveInvStd, BatchNormShape shape, float momentum, float eps) : IRangeKernel
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public readonly void Execute(int start, int end)
    {
        var (plane, channelStride) = (shape.PlaneSize, (long)shape.Channels * shape.PlaneSize);
        var count = (double)shape.ValuesPerChannel;
        for (var c = start; c < end; c++)
        {
            var sum = 0.0;
            for (var n = 0; n < shape.Batch; n++)
            {
                PlanePrefetch.Ahead(x, shape, n, c, end);
                sum += Sum(x + n * channelStride + (long)c * plane, plane, 0.0, squares: false);
            }
            var mean = sum / count;
            var squares = 0.0;
            for (var n = 0; n < shape.Batch; n++)
            {
                squares += Sum(x + n * channelStride + (long)c * plane, plane, mean, squares: true);
            }
            var invStd = (float)(1 / Math.Sqrt(squares / count + eps));
            var meanF = (float)mean;
            var (scale, shift) = (invStd * weight[c], bias[c]);
            for (var n = 0; n < shape.Batch; n++)
            {
                var offset = n * channelStride + (long)c * plane;
                NormalizedPlane.Write(x + offset, y + offset, plane, meanF, scale, shift);
            }
            saveMean[c] = meanF;
            saveInvStd[c] = invStd;
            runningMean[c] = (1 - momentum) * runningMean[c] + momentum * meanF;
            runningVar[c] = (1 - momentum) * runningVar[c] + momentum * (float)(squares / (count - 1));
        }
    }

    /// <summary>The sum over one plane of its values, or of their squared deviations from <paramref name="mean"/>, in double.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static double Sum(float* values, int plane, double mean, bool squares)
    {
        var low = Vector256<double>.Zero;
        var high = Vector256<double>.Zero;
        var means = Vector256.Create(mean);
        var p = 0;
        for (; p + Vector256<float>.Count <= plane; p += Vector256<float>.Count)
        {
            var (first, second) = Vector256.Widen(Vector256.Load(values + p));
            if (squares)
            {
                first -= means;
                second -= means;
                low += first * first;
                high += second * second;
            }
            else
            {
                low += first;
                high += second;
            }
        }
        var total = Vector256.Sum(low + high);
        for (; p < plane; p++)
        {
            var value = squares ? (values[p] - mean) * (values[p] - mean) : values[p];
            total += value;
        }
        return total;
    }
}

/// <summary>
/// y = (x - mean) * scale + shift over one plane, the training and evaluation forwards' last step: the scalar arithmetic in
/// vectors (no fused multiply-add), so it gives the scalar's bits; y may be x, each value read before it is written.
/// </summary>
internal static unsafe class NormalizedPlane
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Write(float* x, float* y, int plane, float mean, float scale, float shift)
    {
        var (means, scales, shifts) = (Vector256.Create(mean), Vector256.Create(scale), Vector256.Create(shift));
        var p = 0;
        for (; p + Vector256<float>.Count <= plane; p += Vector256<float>.Count)
        {
            ((Vector256.Load(x + p) - means) * scales + shifts).Store(y + p);
        }
        for (; p < plane; p++)
        {
            y[p] = (x[p] - mean) * scale + shift;
        }
    }
}

/// <summary>
/// Software prefetch for the passes that walk one channel's planes image by image. A channel's planes lie a whole image
/// apart (C planes), too far for the hardware prefetchers, which follow a stream within a page: each plane's first
/// lines missed all the way to memory, and for small planes (a 7x7 plane is four lines) nearly every line did. So the
/// first pass over a channel, the one that brings its values in (later passes find them in L2), asks for the lines of
/// the plane about 4 KiB ahead of the one it sums. Measured on Zen 5 (2 threads, ResNet-20's batch normalisations at
/// batch 128, inputs out of cache): the training forward 0.66 -> 0.49 ms on 16x28x28, 0.34 -> 0.22-0.23 on 32x14x14,
/// 0.19 -> 0.11-0.12 on 64x7x7; the backward 0.79 -> 0.57, 0.42 -> 0.21-0.25, 0.29 -> 0.11-0.12 (continuing into the next
/// channel's first planes took the last two from 0.14 and 0.15). Prefetching in the later passes too gained nothing,
/// and 8 KiB ahead was no better than 4.
/// </summary>
internal static unsafe class PlanePrefetch
{
    private const int BytesAhead = 4096;

    /// <summary>
    /// Asks for the plane about <see cref="BytesAhead"/> after plane (image, channel) of <paramref name="values"/> in a pass
    /// over channels [.., <paramref name="endChannel"/>) one at a time, image by image: a later image of the channel, or
    /// past its last image, one of the next channel's first.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Ahead(float* values, BatchNormShape shape, int image, int channel, int endChannel)
    {
        var target = image + Math.Max(1, BytesAhead / (shape.PlaneSize * sizeof(float)));
        if (target >= shape.Batch)
        {
            (target, channel) = (target - shape.Batch, channel + 1);
            if (channel >= endChannel || target >= shape.Batch)
            {
                return;
            }
        }
        CachePrefetch.Lines(values + ((long)target * shape.Channels + channel) * shape.PlaneSize, shape.PlaneSize);
    }
}

/// <summary>Batch normalisation's evaluation forward over whole channels, with the running statistics; y may be x.</summary>
internal unsafe struct BatchNormEvaluationKernel(float* x, float* weight, float* bias, float* runningMean, float* runningVar, float* y,
    BatchNormShape shape, float eps) : IRangeKernel
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public readonly void Execute(int start, int end)
    {
        var (plane, channelStride) = (shape.PlaneSize, (long)shape.Channels * shape.PlaneSize);
        for (var c = start; c < end; c++)
        {
            var scale = weight[c] / MathF.Sqrt(runningVar[c] + eps);
            var (mean, shift) = (runningMean[c], bias[c]);
            for (var n = 0; n < shape.Batch; n++)
            {
                var offset = n * channelStride + (long)c * plane;
                PlanePrefetch.Ahead(x, shape, n, c, end);
                NormalizedPlane.Write(x + offset, y + offset, plane, mean, scale, shift);
            }
        }
    }
}

/// <summary>
/// Batch normalisation's backward over whole channels: the sums of dY and of dY * xhat, each value's product in float
/// as the scalar computes it, accumulated in double in eight lanes (two vectors of four) per plane and then the lanes
/// and the plane's last values in a fixed order, as the training forward sums; then dX in vectors with the scalar's
/// arithmetic (no fused multiply-add), so it gives the scalar's bits.
/// </summary>
internal unsafe struct BatchNormBackwardKernel(float* dY, float* x, float* weight, float* saveMean, float* saveInvStd, float* dX,
    float* dWeight, float* dBias, BatchNormShape shape) : IRangeKernel
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public readonly void Execute(int start, int end)
    {
        var (plane, channelStride) = (shape.PlaneSize, (long)shape.Channels * shape.PlaneSize);
        var count = (float)shape.ValuesPerChannel;
        for (var c = start; c < end; c++)
        {
            var (mean, invStd) = (saveMean[c], saveInvStd[c]);
            var (means, invStds) = (Vector256.Create(mean), Vector256.Create(invStd));
            var (sumDY, sumDYXhat) = (0.0, 0.0);
            for (var n = 0; n < shape.Batch; n++)
            {
                var offset = n * channelStride + (long)c * plane;
                PlanePrefetch.Ahead(dY, shape, n, c, end);
                PlanePrefetch.Ahead(x, shape, n, c, end);
                var (gradientLow, gradientHigh, productLow, productHigh) =
                    (Vector256<double>.Zero, Vector256<double>.Zero, Vector256<double>.Zero, Vector256<double>.Zero);
                var p = 0;
                for (; p + Vector256<float>.Count <= plane; p += Vector256<float>.Count)
                {
                    var gradient = Vector256.Load(dY + offset + p);
                    var product = gradient * ((Vector256.Load(x + offset + p) - means) * invStds);
                    var (gradientFirst, gradientSecond) = Vector256.Widen(gradient);
                    var (productFirst, productSecond) = Vector256.Widen(product);
                    gradientLow += gradientFirst;
                    gradientHigh += gradientSecond;
                    productLow += productFirst;
                    productHigh += productSecond;
                }
                var planeDY = Vector256.Sum(gradientLow + gradientHigh);
                var planeDYXhat = Vector256.Sum(productLow + productHigh);
                for (; p < plane; p++)
                {
                    planeDY += dY[offset + p];
                    planeDYXhat += dY[offset + p] * ((x[offset + p] - mean) * invStd);
                }
                sumDY += planeDY;
                sumDYXhat += planeDYXhat;
            }
            var (biasGradient, weightGradient) = ((float)sumDY, (float)sumDYXhat);
            dBias[c] = biasGradient;
            dWeight[c] = weightGradient;
            var (scale, meanDY, meanDYXhat) = (weight[c] * invStd, biasGradient / count, weightGradient / count);
            var (scales, meanDYs, meanDYXhats) = (Vector256.Create(scale), Vector256.Create(meanDY), Vector256.Create(meanDYXhat));
            for (var n = 0; n < shape.Batch; n++)
            {
                var offset = n * channelStride + (long)c * plane;
                var p = 0;
                for (; p + Vector256<float>.Count <= plane; p += Vector256<float>.Count)
                {
                    var xhat = (Vector256.Load(x + offset + p) - means) * invStds;
                    (scales * (Vector256.Load(dY + offset + p) - meanDYs - xhat * meanDYXhats)).Store(dX + offset + p);
                }
                for (; p < plane; p++)
                {
                    var xhat = (x[offset + p] - mean) * invStd;
                    dX[offset + p] = scale * (dY[offset + p] - meanDY - xhat * meanDYXhat);
                }
            }
        }
    }
}
