namespace Descent.Kernels;

/// <summary>Max-pooling and its gradient over NCHW batches; each output is overwritten, and the op is deterministic.</summary>
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

    // ---------------------------------------------------------------- implementation hooks

    protected abstract void MaxPool2dForwardCore(DeviceBuffer<float> x, DeviceBuffer<float> y, DeviceBuffer<int> argmax, Pool2dShape shape);

    protected abstract void MaxPool2dBackwardCore(DeviceBuffer<float> dY, DeviceBuffer<int> argmax, DeviceBuffer<float> dX, Pool2dShape shape);

    private static void CheckPool(Pool2dShape shape)
    {
        if (shape.Problem is { } problem)
        {
            throw new InvalidInputException($"pooling {shape} is not valid: {problem}");
        }
    }
}
