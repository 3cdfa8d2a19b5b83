using ILGPU;
using ILGPU.Algorithms;
using ILGPU.Runtime;

namespace Descent.Kernels.Ilgpu;

// Max-pooling over x and dX (N,C,H,W), y and dY (N,C,P,Q), with the argmax of each window (N,C,P,Q); global
// average pooling of x and dX (N*C, H*W) to y and dY (N*C).
public sealed partial class IlgpuBackend
{
    private Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<int>, Pool2dShape, int>? launchMaxPoolForward;
    private Action<Index1D, ArrayView<float>, ArrayView<int>, ArrayView<float>, Pool2dShape, int>? launchMaxPoolBackward;
    private Action<Index1D, ArrayView<float>, ArrayView<float>, int, int, int>? launchGlobalAvgPoolForward;
    private Action<Index1D, ArrayView<float>, ArrayView<float>, int, int, int>? launchGlobalAvgPoolBackward;

    protected override void GlobalAvgPool2dForwardCore(DeviceBuffer<float> x, DeviceBuffer<float> y, int planes, int planeLength)
    {
        launchGlobalAvgPoolForward ??= accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, int, int,
            int>(GlobalAvgPoolForwardKernel);
        var threads = Threads(planes);
        Launches++;
        launchGlobalAvgPoolForward(threads, View(x), View(y), planes, planeLength, threads);
    }

    protected override void GlobalAvgPool2dBackwardCore(DeviceBuffer<float> dY, DeviceBuffer<float> dX, int planes, int planeLength)
    {
        launchGlobalAvgPoolBackward ??= accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, int, int,
            int>(GlobalAvgPoolBackwardKernel);
        var count = planes * planeLength;
        var threads = Threads(count);
        Launches++;
        launchGlobalAvgPoolBackward(threads, View(dY), View(dX), count, planeLength, threads);
    }

    /// <summary>
    /// One plane per thread, its values added in order and the sum divided by their count: a fixed order and no
    /// atomics. A plane is small where this is used (the last feature map of a net, 8x8 or 7x7), so a thread's loop is short.
    /// </summary>
    [IlgpuKernel]
    internal static void GlobalAvgPoolForwardKernel(Index1D index, ArrayView<float> x, ArrayView<float> y, int planes, int planeLength,
        int stride)
    {
        for (long plane = index; plane < planes; plane += stride)
        {
            var start = plane * planeLength;
            var sum = 0f;
            for (var i = 0; i < planeLength; i++)
            {
                sum += x[start + i];
            }
            y[plane] = sum / planeLength;
        }
    }

    /// <summary>One input element per thread: dX = its plane's dY divided by the plane's length.</summary>
    [IlgpuKernel]
    internal static void GlobalAvgPoolBackwardKernel(Index1D index, ArrayView<float> dY, ArrayView<float> dX, int count, int planeLength,
        int stride)
    {
        for (long i = index; i < count; i += stride)
        {
            dX[i] = dY[i / planeLength] / planeLength;
        }
    }

    protected override void MaxPool2dForwardCore(DeviceBuffer<float> x, DeviceBuffer<float> y, DeviceBuffer<int> argmax,
        Pool2dShape shape)
    {
        launchMaxPoolForward ??= accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<int>,
            Pool2dShape, int>(MaxPoolForwardKernel);
        var threads = Threads(shape.OutputLength);
        Launches++;
        launchMaxPoolForward(threads, View(x), View(y), View(argmax), shape, threads);
    }

    protected override void MaxPool2dBackwardCore(DeviceBuffer<float> dY, DeviceBuffer<int> argmax, DeviceBuffer<float> dX,
        Pool2dShape shape)
    {
        launchMaxPoolBackward ??= accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<int>, ArrayView<float>,
            Pool2dShape, int>(MaxPoolBackwardKernel);
        var threads = Threads(shape.InputLength);
        Launches++;
        launchMaxPoolBackward(threads, View(dY), View(argmax), View(dX), shape, threads);
    }

    /// <summary>
    /// One output per thread: the maximum of its window, scanned in row-major order so the first of equal values
    /// stays, and the first NaN replaces any number and then stays; argmax is its index h * W + w in the plane.
    /// </summary>
    [IlgpuKernel]
    internal static void MaxPoolForwardKernel(Index1D index, ArrayView<float> x, ArrayView<float> y, ArrayView<int> argmax,
        Pool2dShape shape, int stride)
    {
        var outHeight = shape.OutHeight;
        var outWidth = shape.OutWidth;
        var count = y.Length;
        for (long i = index; i < count; i += stride)
        {
            var element = (int)i;
            var q = element % outWidth;
            var p = element / outWidth % outHeight;
            var plane = element / (outWidth * outHeight);
            var planeStart = plane * shape.Height * shape.Width;
            var best = p * shape.Stride * shape.Width + q * shape.Stride;
            var bestValue = x[planeStart + best];
            for (var r = 0; r < shape.Kernel; r++)
            {
                for (var s = 0; s < shape.Kernel; s++)
                {
                    var candidate = (p * shape.Stride + r) * shape.Width + q * shape.Stride + s;
                    var value = x[planeStart + candidate];
                    if (value > bestValue || (XMath.IsNaN(value) && !XMath.IsNaN(bestValue)))
                    {
                        best = candidate;
                        bestValue = value;
                    }
                }
            }
            y[element] = bestValue;
            argmax[element] = best;
        }
    }

    /// <summary>
    /// One input element per thread, gathering rather than scattering: dX[n, c, h, w] = the sum, over the windows
    /// that cover (h, w) in row-major order, of dY where that window's argmax is (h, w). No atomics; a fixed order.
    /// </summary>
    [IlgpuKernel]
    internal static void MaxPoolBackwardKernel(Index1D index, ArrayView<float> dY, ArrayView<int> argmax, ArrayView<float> dX,
        Pool2dShape shape, int stride)
    {
        var outHeight = shape.OutHeight;
        var outWidth = shape.OutWidth;
        var count = dX.Length;
        for (long i = index; i < count; i += stride)
        {
            var element = (int)i;
            var position = element % (shape.Height * shape.Width);
            var plane = element / (shape.Height * shape.Width);
            var h = position / shape.Width;
            var w = position % shape.Width;
            // Window p covers rows p * stride .. p * stride + kernel - 1.
            var firstRow = h < shape.Kernel ? 0 : (h - shape.Kernel) / shape.Stride + 1;
            var lastRow = Math.Min(h / shape.Stride, outHeight - 1);
            var firstColumn = w < shape.Kernel ? 0 : (w - shape.Kernel) / shape.Stride + 1;
            var lastColumn = Math.Min(w / shape.Stride, outWidth - 1);
            var sum = 0f;
            for (var p = firstRow; p <= lastRow; p++)
            {
                for (var q = firstColumn; q <= lastColumn; q++)
                {
                    var output = (plane * outHeight + p) * outWidth + q;
                    if (argmax[output] == position)
                    {
                        sum += dY[output];
                    }
                }
            }
            dX[element] = sum;
        }
    }
}
