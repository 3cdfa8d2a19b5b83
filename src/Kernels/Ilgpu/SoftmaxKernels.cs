using ILGPU;

namespace Descent.Kernels.Ilgpu;

/// <summary>
/// Row-wise softmax over x, y, dY, dX of shape (B,C). One thread per row, rows walked with a grid
/// stride (<c>stride</c> = threads launched): C is the class count, small enough that a row is one
/// thread's work, and the row sums then run in a fixed order.
/// </summary>
internal static class SoftmaxKernels
{
    /// <summary>y = e^(x - rowmax) / sum of e^(x - rowmax); subtracting the row max keeps every exp at most 1.</summary>
    public static void Forward(Index1D index, ArrayView<float> x, ArrayView<float> y, int rows, int cols, int stride)
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
    public static void Backward(Index1D index, ArrayView<float> dY, ArrayView<float> y, ArrayView<float> dX, int rows, int cols,
        int stride)
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
