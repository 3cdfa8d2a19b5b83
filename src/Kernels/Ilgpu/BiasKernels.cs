using ILGPU;

namespace Descent.Kernels.Ilgpu;

/// <summary>
/// Bias of a linear layer. y and dY are (B,C) row-major, bias and dBias are (C).
/// Threads walk their elements with a grid stride: <c>stride</c> is the number of threads launched.
/// </summary>
internal static class BiasKernels
{
    /// <summary>y (B,C) += bias (C), broadcast over the rows; <paramref name="count"/> = B * C.</summary>
    public static void Forward(Index1D index, ArrayView<float> y, ArrayView<float> bias, int count, int cols, int stride)
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
    public static void Backward(Index1D index, ArrayView<float> dY, ArrayView<float> dBias, int rows, int cols, float beta,
        int stride)
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
