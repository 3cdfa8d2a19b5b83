using ILGPU;
using ILGPU.Runtime;

namespace Descent.Kernels.Ilgpu;

// Bias of a linear layer: y and dY are (B,C) row-major, bias and dBias are (C).
public sealed partial class IlgpuBackend
{
    private Action<Index1D, ArrayView<float>, ArrayView<float>, int, int, int>? launchBiasForward;
    private Action<Index1D, ArrayView<float>, ArrayView<float>, int, int, float, int>? launchBiasBackward;

    protected override void BiasAddCore(DeviceBuffer<float> y, DeviceBuffer<float> bias, int rows, int cols)
    {
        launchBiasForward ??= accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, int, int, int>(
            BiasForwardKernel);
        var count = rows * cols;
        var threads = Threads(count);
        Launches++;
        launchBiasForward(threads, View(y), View(bias), count, cols, threads);
    }

    protected override void BiasBackwardCore(DeviceBuffer<float> dY, DeviceBuffer<float> dBias, int rows, int cols, float beta)
    {
        launchBiasBackward ??= accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, int, int,
            float, int>(BiasBackwardKernel);
        var threads = Threads(cols);
        Launches++;
        launchBiasBackward(threads, View(dY), View(dBias), rows, cols, beta, threads);
    }

    /// <summary>y (B,C) += bias (C), broadcast over the rows; <paramref name="count"/> = B * C.</summary>
    [IlgpuKernel]
    internal static void BiasForwardKernel(Index1D index, ArrayView<float> y, ArrayView<float> bias, int count, int cols, int stride)
    {
        for (long i = index; i < count; i += stride)
        {
            y[i] += bias[(int)i % cols];
        }
    }

    /// <summary>
    /// dBias (C) = beta * dBias + sum over rows of dY (B,C). One thread per column adds its rows in
    /// order, so the result is the same on every run and every device (no atomics). Beta 0 overwrites,
    /// as GEMM's does, so a stale or NaN dBias never leaks in.
    /// </summary>
    [IlgpuKernel]
    internal static void BiasBackwardKernel(Index1D index, ArrayView<float> dY, ArrayView<float> dBias, int rows, int cols,
        float beta, int stride)
    {
        for (long col = index; col < cols; col += stride)
        {
            var sum = 0f;
            for (var row = 0; row < rows; row++)
            {
                sum += dY[row * cols + (int)col];
            }
            dBias[col] = beta == 0f ? sum : beta * dBias[col] + sum;
        }
    }
}
