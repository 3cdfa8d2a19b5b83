using ILGPU;
using ILGPU.Runtime;

namespace Descent.Kernels.Ilgpu;

// Row-wise softmax over x, y, dY, dX of shape (B,C). One thread per row: C is the class count, small
// enough that a row is one thread's work, and the row sums then run in a fixed order.
public sealed partial class IlgpuBackend
{
    private Action<Index1D, ArrayView<float>, ArrayView<float>, int, int, int>? launchSoftmaxForward;
    private Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int>? launchSoftmaxBackward;

    protected override void SoftmaxForwardCore(DeviceBuffer<float> x, DeviceBuffer<float> y, int rows, int cols)
    {
        launchSoftmaxForward ??= accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, int, int,
            int>(SoftmaxForwardKernel);
        var threads = Threads(rows);
        Launches++;
        launchSoftmaxForward(threads, View(x), View(y), rows, cols, threads);
    }

    protected override void SoftmaxBackwardCore(DeviceBuffer<float> dY, DeviceBuffer<float> y, DeviceBuffer<float> dX, int rows,
        int cols)
    {
        launchSoftmaxBackward ??= accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>,
            ArrayView<float>, int, int, int>(SoftmaxBackwardKernel);
        var threads = Threads(rows);
        Launches++;
        launchSoftmaxBackward(threads, View(dY), View(y), View(dX), rows, cols, threads);
    }

    /// <summary>y = e^(x - rowmax) / sum of e^(x - rowmax); subtracting the row max keeps every exp at most 1.</summary>
    [IlgpuKernel]
    internal static void SoftmaxForwardKernel(Index1D index, ArrayView<float> x, ArrayView<float> y, int rows, int cols, int stride)
    {
        for (long row = index; row < rows; row += stride)
        {
            var start = (int)row * cols;
            var max = x[start];
            for (var col = 1; col < cols; col++)
            {
                max = MathF.Max(max, x[start + col]);
            }
            var sum = 0f;
            for (var col = 0; col < cols; col++)
            {
                var e = MathF.Exp(x[start + col] - max);
                y[start + col] = e;
                sum += e;
            }
            for (var col = 0; col < cols; col++)
            {
                y[start + col] /= sum;
            }
        }
    }

    /// <summary>dX = y * (dY - sum_j dY[j] * y[j]) per row; dX may be dY (each element is read before it is written).</summary>
    [IlgpuKernel]
    internal static void SoftmaxBackwardKernel(Index1D index, ArrayView<float> dY, ArrayView<float> y, ArrayView<float> dX,
        int rows, int cols, int stride)
    {
        for (long row = index; row < rows; row += stride)
        {
            var start = (int)row * cols;
            var dot = 0f;
            for (var col = 0; col < cols; col++)
            {
                dot += dY[start + col] * y[start + col];
            }
            for (var col = 0; col < cols; col++)
            {
                dX[start + col] = y[start + col] * (dY[start + col] - dot);
            }
        }
    }
}
