namespace Descent.Kernels.Reference;

public partial class ReferenceBackend
{
    protected override void DropoutForwardCore(DeviceBuffer<float> x, DeviceBuffer<float> y, int count, DropoutStep step)
    {
        var result = new double[count];
        ReferenceMath.Dropout(result, Widen(x, count), count, step);
        Store(result, y);
    }

    protected override void DropoutBackwardCore(DeviceBuffer<float> dY, DeviceBuffer<float> dX, int count, DropoutStep step)
    {
        var result = new double[count];
        ReferenceMath.Dropout(result, Widen(dY, count), count, step);
        Store(result, dX);
    }
}

public static partial class ReferenceMath
{
    // ---------------------------------------------------------------- dropout

    /// <summary>
    /// Forward (and, with dY for x, backward): y (N) = x * step.KeptScale where <see cref="DropoutMask.Keep"/>
    /// keeps the element, else 0. The product of two floats is exact in double, so its rounding to float
    /// is the float product any backend computes.
    /// </summary>
    public static void Dropout(double[] y, double[] x, int count, DropoutStep step)
    {
        double scale = step.KeptScale;
        for (var i = 0; i < count; i++)
        {
            y[i] = DropoutMask.Keep((uint)i, step) ? x[i] * scale : 0;
        }
    }
}
