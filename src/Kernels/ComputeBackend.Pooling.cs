namespace Descent.Kernels;

/// <summary>Max-pooling, global average pooling and their gradients over NCHW batches; each output is overwritten, and each op is deterministic.</summary>
public abstract partial class ComputeBackend
{
    /// <summary>
    /// y[n, c, p, q] = the maximum of x over the window at (p*stride, q*stride); argmax[n, c, p, q] = the
    /// index h * Width + w of that maximum in its input plane, the first in row-major order on ties (NaN wins).
    /// </summary>
    [BackendOp]
    public void MaxPool2dForward(DeviceBuffer<float> x, DeviceBuffer<float> y, DeviceBuffer<int> argmax, Pool2dShape shape)
    {
        CheckPool(shape);
        CheckTensor(x, shape.InputLength, nameof(x));
        CheckTensor(y, shape.OutputLength, nameof(y));
        CheckTensor(argmax, shape.OutputLength, nameof(argmax));
        CheckDistinct(x, y, "MaxPool2dForward", "x", "y");
        MaxPool2dForwardCore(x, y, argmax, shape);
    }

    /// <summary>dX[n, c, h, w] = sum of dY[n, c, p, q] over the windows whose argmax is (h, w); zero elsewhere.</summary>
    [BackendOp]
    public void MaxPool2dBackward(DeviceBuffer<float> dY, DeviceBuffer<int> argmax, DeviceBuffer<float> dX, Pool2dShape shape)
    {
        CheckPool(shape);
        CheckTensor(dY, shape.OutputLength, nameof(dY));
        CheckTensor(argmax, shape.OutputLength, nameof(argmax));
        CheckTensor(dX, shape.InputLength, nameof(dX));
        CheckDistinct(dY, dX, "MaxPool2dBackward", "dY", "dX");
        MaxPool2dBackwardCore(dY, argmax, dX, shape);
    }

    /// <summary>
    /// Global average pooling, PyTorch's AdaptiveAvgPool2d(1): x is (N, C, H, W) seen as <paramref name="planes"/> = N * C
    /// planes of <paramref name="planeLength"/> = H * W values, y is (N, C, 1, 1); y[plane] = the sum of the plane's values,
    /// added in order, divided by planeLength.
    /// </summary>
    [BackendOp]
    public void GlobalAvgPool2dForward(DeviceBuffer<float> x, DeviceBuffer<float> y, int planes, int planeLength)
    {
        CheckPlanes(planes, planeLength);
        CheckTensor(x, (long)planes * planeLength, nameof(x));
        CheckTensor(y, planes, nameof(y));
        CheckDistinct(x, y, "GlobalAvgPool2dForward", "x", "y");
        GlobalAvgPool2dForwardCore(x, y, planes, planeLength);
    }

    /// <summary>dX[plane, i] = dY[plane] / planeLength: each value of a plane had the same share in its mean.</summary>
    [BackendOp]
    public void GlobalAvgPool2dBackward(DeviceBuffer<float> dY, DeviceBuffer<float> dX, int planes, int planeLength)
    {
        CheckPlanes(planes, planeLength);
        CheckTensor(dY, planes, nameof(dY));
        CheckTensor(dX, (long)planes * planeLength, nameof(dX));
        CheckDistinct(dY, dX, "GlobalAvgPool2dBackward", "dY", "dX");
        GlobalAvgPool2dBackwardCore(dY, dX, planes, planeLength);
    }

    // ---------------------------------------------------------------- implementation hooks

    protected abstract void MaxPool2dForwardCore(DeviceBuffer<float> x, DeviceBuffer<float> y, DeviceBuffer<int> argmax, Pool2dShape shape);

    protected abstract void MaxPool2dBackwardCore(DeviceBuffer<float> dY, DeviceBuffer<int> argmax, DeviceBuffer<float> dX, Pool2dShape shape);

    protected abstract void GlobalAvgPool2dForwardCore(DeviceBuffer<float> x, DeviceBuffer<float> y, int planes, int planeLength);

    protected abstract void GlobalAvgPool2dBackwardCore(DeviceBuffer<float> dY, DeviceBuffer<float> dX, int planes, int planeLength);

    private static void CheckPlanes(int planes, int planeLength)
    {
        if (planes <= 0 || planeLength <= 0 || (long)planes * planeLength > int.MaxValue)
        {
            throw new InvalidInputException(
                $"global average pooling of {planes} planes of {planeLength} values: both must be positive and their product under 2^31");
        }
    }

    private static void CheckPool(Pool2dShape shape)
    {
        if (shape.Problem is { } problem)
        {
            throw new InvalidInputException($"pooling {shape} is not valid: {problem}");
        }
    }
}
