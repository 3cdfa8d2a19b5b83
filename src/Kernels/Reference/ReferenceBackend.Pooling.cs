namespace Descent.Kernels.Reference;

/// <summary>Max-pooling and global average pooling: each op widens its inputs, runs <see cref="ReferenceMath"/>'s loop, and stores the result.</summary>
public partial class ReferenceBackend
{
    protected override void MaxPool2dForwardCore(DeviceBuffer<float> x, DeviceBuffer<float> y, DeviceBuffer<int> argmax, Pool2dShape shape)
    {
        var result = new double[shape.OutputLength];
        var indices = new int[shape.OutputLength];
        ReferenceMath.MaxPool2dForward(result, indices, Widen(x, (int)shape.InputLength), shape);
        Store(result, y);
        indices.CopyTo(HostElements(argmax));
    }

    protected override void MaxPool2dBackwardCore(DeviceBuffer<float> dY, DeviceBuffer<int> argmax, DeviceBuffer<float> dX, Pool2dShape shape)
    {
        var result = new double[shape.InputLength];
        ReferenceMath.MaxPool2dBackward(result, Widen(dY, (int)shape.OutputLength),
            HostElements(argmax)[..(int)shape.OutputLength].ToArray(), shape);
        Store(result, dX);
    }

    protected override void GlobalAvgPool2dForwardCore(DeviceBuffer<float> x, DeviceBuffer<float> y, int planes, int planeLength)
    {
        var result = new double[planes];
        ReferenceMath.GlobalAvgPool2dForward(result, Widen(x, planes * planeLength), planes, planeLength);
        Store(result, y);
    }

    protected override void GlobalAvgPool2dBackwardCore(DeviceBuffer<float> dY, DeviceBuffer<float> dX, int planes, int planeLength)
    {
        var result = new double[planes * planeLength];
        ReferenceMath.GlobalAvgPool2dBackward(result, Widen(dY, planes), planes, planeLength);
        Store(result, dX);
    }
}

// Layouts are NCHW: x (N,C,H,W) and y (N,C,P,Q).
public static partial class ReferenceMath
{
    // ---------------------------------------------------------------- pooling

    /// <summary>
    /// Forward: y (N,C,P,Q) = the maximum of each window of x (N,C,H,W), the window of (p, q) starting at
    /// (p*stride, q*stride); argmax (N,C,P,Q) = h*W + w of that maximum in its plane. The window is read in
    /// row-major order and a value replaces the maximum only when strictly greater, so ties go to the
    /// first; a NaN replaces any number and nothing replaces a NaN, so the first NaN wins.
    /// </summary>
    public static void MaxPool2dForward(double[] y, int[] argmax, double[] x, Pool2dShape shape)
    {
        var (outHeight, outWidth) = (shape.OutHeight, shape.OutWidth);
        var plane = shape.Height * shape.Width;
        for (var image = 0; image < shape.Batch * shape.Channels; image++)
        {
            for (var p = 0; p < outHeight; p++)
            {
                for (var q = 0; q < outWidth; q++)
                {
                    var best = (p * shape.Stride) * shape.Width + q * shape.Stride;
                    for (var r = 0; r < shape.Kernel; r++)
                    {
                        for (var s = 0; s < shape.Kernel; s++)
                        {
                            var candidate = (p * shape.Stride + r) * shape.Width + q * shape.Stride + s;
                            var (value, max) = (x[image * plane + candidate], x[image * plane + best]);
                            if (value > max || (double.IsNaN(value) && !double.IsNaN(max)))
                            {
                                best = candidate;
                            }
                        }
                    }
                    var output = (image * outHeight + p) * outWidth + q;
                    y[output] = x[image * plane + best];
                    argmax[output] = best;
                }
            }
        }
    }

    /// <summary>Backward: dX (N,C,H,W) = the sum of dY (N,C,P,Q) over the windows whose argmax (N,C,P,Q) is (h, w); zero elsewhere.</summary>
    public static void MaxPool2dBackward(double[] dX, double[] dY, int[] argmax, Pool2dShape shape)
    {
        Array.Clear(dX);
        var plane = shape.Height * shape.Width;
        var outPlane = shape.OutHeight * shape.OutWidth;
        for (var image = 0; image < shape.Batch * shape.Channels; image++)
        {
            for (var i = 0; i < outPlane; i++)
            {
                dX[image * plane + argmax[image * outPlane + i]] += dY[image * outPlane + i];
            }
        }
    }

    /// <summary>Global average pooling: y (N*C) = the mean of each plane of x (N*C, H*W).</summary>
    public static void GlobalAvgPool2dForward(double[] y, double[] x, int planes, int planeLength)
    {
        for (var plane = 0; plane < planes; plane++)
        {
            var sum = 0.0;
            for (var i = 0; i < planeLength; i++)
            {
                sum += x[plane * planeLength + i];
            }
            y[plane] = sum / planeLength;
        }
    }

    /// <summary>Its gradient: dX (N*C, H*W) = dY (N*C) spread evenly, dY[plane] / planeLength at every value of the plane.</summary>
    public static void GlobalAvgPool2dBackward(double[] dX, double[] dY, int planes, int planeLength)
    {
        for (var plane = 0; plane < planes; plane++)
        {
            for (var i = 0; i < planeLength; i++)
            {
                dX[plane * planeLength + i] = dY[plane] / planeLength;
            }
        }
    }
}
