namespace Descent.Kernels.Reference;

public partial class ReferenceBackend
{
    protected override void BiasAddCore(DeviceBuffer<float> y, DeviceBuffer<float> bias, int rows, int cols)
    {
        var result = Widen(y, rows * cols);
        ReferenceMath.BiasAdd(result, Widen(bias, cols), rows, cols);
        Store(result, y);
    }

    protected override void BiasBackwardCore(DeviceBuffer<float> dY, DeviceBuffer<float> dBias, int rows, int cols, float beta)
    {
        var result = Widen(dBias, cols);
        ReferenceMath.BiasBackward(result, Widen(dY, rows * cols), rows, cols, beta);
        Store(result, dBias);
    }
}

public static partial class ReferenceMath
{
    // ---------------------------------------------------------------- bias

    /// <summary>Forward: y (B,C) += bias (C), broadcast over rows.</summary>
    public static void BiasAdd(double[] y, double[] bias, int rows, int cols)
    {
        for (var row = 0; row < rows; row++)
        {
            for (var col = 0; col < cols; col++)
            {
                y[row * cols + col] += bias[col];
            }
        }
    }

    /// <summary>
    /// Backward: dBias (C) = beta * dBias + sum over rows of dY (B,C), rows summed in order.
    /// Beta 0 overwrites, as GEMM's does, so a stale dBias never leaks in.
    /// </summary>
    public static void BiasBackward(double[] dBias, double[] dY, int rows, int cols, double beta)
    {
        for (var col = 0; col < cols; col++)
        {
            var sum = 0.0;
            for (var row = 0; row < rows; row++)
            {
                sum += dY[row * cols + col];
            }
            dBias[col] = beta == 0 ? sum : beta * dBias[col] + sum;
        }
    }
}
