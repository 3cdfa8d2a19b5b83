using ILGPU;

namespace Descent.Kernels.Ilgpu;

/// <summary>
/// Element-wise nonlinearities over x, y, dY, dX of N elements; each backward is written in terms of
/// the forward output y, so the forward input need not be kept. x and y (and dY and dX) may be the
/// same buffer: each element is read before it is written. Threads walk the elements with a grid
/// stride: <c>stride</c> is the number of threads launched.
/// </summary>
internal static class ActivationKernels
{
    /// <summary>y = max(x, 0), written so that a NaN x stays NaN (max.f32 on a GPU would return 0 and hide it).</summary>
    public static void ReluForward(Index1D index, ArrayView<float> x, ArrayView<float> y, int count, int stride)
    {
        for (long i = index; i < count; i += stride)
        {
            var value = x[i];
            y[i] = value < 0f ? 0f : value;
        }
    }

    /// <summary>dX = dY where y &gt; 0, else 0; selecting rather than multiplying keeps a non-finite dY out of inactive units.</summary>
    public static void ReluBackward(Index1D index, ArrayView<float> dY, ArrayView<float> y, ArrayView<float> dX, int count,
        int stride)
    {
        for (long i = index; i < count; i += stride)
        {
            dX[i] = y[i] > 0f ? dY[i] : 0f;
        }
    }

    /// <summary>y = 1 / (1 + e^-x).</summary>
    public static void SigmoidForward(Index1D index, ArrayView<float> x, ArrayView<float> y, int count, int stride)
    {
        for (long i = index; i < count; i += stride)
        {
            y[i] = DeviceMath.Sigmoid(x[i]);
        }
    }

    /// <summary>dX = dY * y * (1 - y).</summary>
    public static void SigmoidBackward(Index1D index, ArrayView<float> dY, ArrayView<float> y, ArrayView<float> dX, int count,
        int stride)
    {
        for (long i = index; i < count; i += stride)
        {
            var output = y[i];
            dX[i] = dY[i] * output * (1f - output);
        }
    }

    /// <summary>y = tanh(x).</summary>
    public static void TanhForward(Index1D index, ArrayView<float> x, ArrayView<float> y, int count, int stride)
    {
        for (long i = index; i < count; i += stride)
        {
            y[i] = DeviceMath.Tanh(x[i]);
        }
    }

    /// <summary>dX = dY * (1 - y^2).</summary>
    public static void TanhBackward(Index1D index, ArrayView<float> dY, ArrayView<float> y, ArrayView<float> dX, int count,
        int stride)
    {
        for (long i = index; i < count; i += stride)
        {
            var output = y[i];
            dX[i] = dY[i] * (1f - output * output);
        }
    }
}
