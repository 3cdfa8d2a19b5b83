using ILGPU;
using ILGPU.Algorithms;
using ILGPU.Runtime;

namespace Descent.Kernels.Ilgpu;

// Batch normalisation: x, y, dY and dX are (N, C, P) with P the plane size; weight, bias, the running and the saved
// statistics, dWeight and dBias are (C).
public sealed partial class IlgpuBackend
{
    private Action<KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>,
        ArrayView<float>, ArrayView<float>, BatchNormShape, float, float>? launchBatchNormTraining;
    private Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>,
        BatchNormShape, float, int>? launchBatchNormEvaluation;
    private Action<KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>,
        ArrayView<float>, ArrayView<float>, BatchNormShape>? launchBatchNormBackward;

    protected override void BatchNormForwardTrainingCore(DeviceBuffer<float> x, DeviceBuffer<float> weight, DeviceBuffer<float> bias,
        DeviceBuffer<float> runningMean, DeviceBuffer<float> runningVar, DeviceBuffer<float> y, DeviceBuffer<float> saveMean,
        DeviceBuffer<float> saveInvStd, BatchNormShape shape, float momentum, float eps)
    {
        launchBatchNormTraining ??= accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>,
            ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, BatchNormShape, float, float>(BatchNormTrainingKernel);
        Launches++;
        launchBatchNormTraining(ChannelGroups(shape, sums: 1), View(x), View(weight), View(bias), View(runningMean), View(runningVar), View(y),
            View(saveMean), View(saveInvStd), shape, momentum, eps);
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
        launchBatchNormBackward ??= accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>,
            ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, BatchNormShape>(BatchNormBackwardKernel);
        Launches++;
        launchBatchNormBackward(ChannelGroups(shape, sums: 2), View(dY), View(x), View(weight), View(saveMean), View(saveInvStd), View(dX),
            View(dWeight), View(dBias), shape);
    }

    /// <summary>
    /// One group per channel, of the shape's channel-reduction width (256 on a GPU, 1 on the CPU accelerator), with shared
    /// memory for <paramref name="sums"/> partial sums a thread.
    /// </summary>
    private KernelConfig ChannelGroups(BatchNormShape shape, int sums) =>
        new(shape.Channels, Shape.ChannelGroup, SharedMemoryConfig.RequestDynamic<float>(sums * Shape.ChannelGroup));

    /// <summary>
    /// One group per channel (grid x), its T threads sharing the channel's N*P values: thread t adds values t, t + T, ...
    /// in (n, plane) order, then <see cref="GroupSum"/> adds the T partial sums in a fixed tree. The mean, then the sum of
    /// squared deviations (two passes, so a large mean does not cancel the variance away), then y by every thread and
    /// the statistics by the first. The order depends on T alone: the same bits on every run, and no atomics.
    /// </summary>
    [IlgpuKernel(ExplicitlyGrouped = true)]
    internal static void BatchNormTrainingKernel(ArrayView<float> x, ArrayView<float> weight, ArrayView<float> bias,
        ArrayView<float> runningMean, ArrayView<float> runningVar, ArrayView<float> y, ArrayView<float> saveMean,
        ArrayView<float> saveInvStd, BatchNormShape shape, float momentum, float eps)
    {
        var partials = SharedMemory.GetDynamic<float>();
        var c = Grid.IdxX;
        var count = shape.Batch * shape.PlaneSize;
        var walk = new ChannelWalk(shape, c, Group.IdxX, Group.DimX);
        var sum = 0f;
        for (var (e, i, p) = walk.First; e < count; (e, i, p) = walk.Next(e, i, p))
        {
            sum += x[i];
        }
        var mean = GroupSum(sum, partials) / count;
        var squares = 0f;
        for (var (e, i, p) = walk.First; e < count; (e, i, p) = walk.Next(e, i, p))
        {
            var deviation = x[i] - mean;
            squares += deviation * deviation;
        }
        squares = GroupSum(squares, partials);
        var invStd = XMath.Rsqrt(squares / count + eps);
        var scale = invStd * weight[c];
        var shift = bias[c];
        for (var (e, i, p) = walk.First; e < count; (e, i, p) = walk.Next(e, i, p))
        {
            y[i] = (x[i] - mean) * scale + shift;
        }
        if (Group.IsFirstThread)
        {
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

    /// <summary>
    /// One group per channel, as the training forward: the sums of dY and of dY * xhat, each thread's in (n, plane) order
    /// and then the group's in a fixed tree, then dX through the batch statistics by every thread.
    /// </summary>
    [IlgpuKernel(ExplicitlyGrouped = true)]
    internal static void BatchNormBackwardKernel(ArrayView<float> dY, ArrayView<float> x, ArrayView<float> weight,
        ArrayView<float> saveMean, ArrayView<float> saveInvStd, ArrayView<float> dX, ArrayView<float> dWeight, ArrayView<float> dBias,
        BatchNormShape shape)
    {
        var shared = SharedMemory.GetDynamic<float>();
        var c = Grid.IdxX;
        var count = shape.Batch * shape.PlaneSize;
        var walk = new ChannelWalk(shape, c, Group.IdxX, Group.DimX);
        var mean = saveMean[c];
        var invStd = saveInvStd[c];
        var sumDY = 0f;
        var sumDYXhat = 0f;
        for (var (e, i, p) = walk.First; e < count; (e, i, p) = walk.Next(e, i, p))
        {
            sumDY += dY[i];
            sumDYXhat += dY[i] * ((x[i] - mean) * invStd);
        }
        sumDY = GroupSum(sumDY, shared.SubView(0, Group.DimX));
        sumDYXhat = GroupSum(sumDYXhat, shared.SubView(Group.DimX, Group.DimX));
        if (Group.IsFirstThread)
        {
            dBias[c] = sumDY;
            dWeight[c] = sumDYXhat;
        }
        var scale = weight[c] * invStd;
        var meanDY = sumDY / count;
        var meanDYXhat = sumDYXhat / count;
        for (var (e, i, p) = walk.First; e < count; (e, i, p) = walk.Next(e, i, p))
        {
            var xhat = (x[i] - mean) * invStd;
            dX[i] = scale * (dY[i] - meanDY - xhat * meanDYXhat);
        }
    }

    /// <summary>
    /// The sum of every thread's <paramref name="value"/>, returned to all of them: a tree over the group's T partial sums
    /// in shared memory, pairs (t, t + s) for s = 1, 2, 4, ... with t a multiple of 2s, so any T works and the order is
    /// fixed. <paramref name="partials"/> holds T floats and is free again when this returns.
    /// </summary>
    private static float GroupSum(float value, ArrayView<float> partials)
    {
        var thread = Group.IdxX;
        var threads = Group.DimX;
        partials[thread] = value;
        Group.Barrier();
        for (var span = 1; span < threads; span *= 2)
        {
            if (thread % (2 * span) == 0 && thread + span < threads)
            {
                partials[thread] += partials[thread + span];
            }
            Group.Barrier();
        }
        var total = partials[0];
        // Nobody may overwrite partials[0] (the next sum) before every thread has read it.
        Group.Barrier();
        return total;
    }

    /// <summary>
    /// Thread t's walk over channel c's N*P values of an (N, C, P) tensor: the values e = t, t + T, ... in (n, plane)
    /// order, each with its index i = (n C + c) P + p and its place p in the plane. The step of T is kept as a step in n and in p with a carry, so
    /// the walk divides nothing (an integer division costs a GPU some twenty instructions).
    /// </summary>
    private readonly struct ChannelWalk
    {
        private readonly int planeSize;
        private readonly int rowStride;
        private readonly int stepElements;
        private readonly int stepRows;
        private readonly int stepPlane;

        public ChannelWalk(BatchNormShape shape, int channel, int thread, int threads)
        {
            planeSize = shape.PlaneSize;
            rowStride = shape.Channels * shape.PlaneSize;
            stepElements = threads;
            stepRows = threads / planeSize;
            stepPlane = threads % planeSize;
            First = (thread, thread / planeSize * rowStride + channel * planeSize + thread % planeSize, thread % planeSize);
        }

        /// <summary>This thread's first value: (e, i, p).</summary>
        public (int Element, int Index, int Plane) First { get; }

        /// <summary>The value T further on.</summary>
        public (int Element, int Index, int Plane) Next(int element, int index, int plane)
        {
            var nextPlane = plane + stepPlane;
            var nextIndex = index + stepRows * rowStride + stepPlane;
            return nextPlane >= planeSize
                ? (element + stepElements, nextIndex - planeSize + rowStride, nextPlane - planeSize)
                : (element + stepElements, nextIndex, nextPlane);
        }
    }
}
