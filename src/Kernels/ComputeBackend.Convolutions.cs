namespace Descent.Kernels;

/// <summary>
/// The ops of convolutional nets: 2-D convolution and its two gradients, max-pooling and its gradient,
/// dropout and its gradient, and the Adadelta update. Each output is overwritten (never accumulated into),
/// and each op is deterministic: no float atomics, sums in a fixed order.
/// </summary>
public abstract partial class ComputeBackend
{
    // ---------------------------------------------------------------- convolution

    /// <summary>
    /// y[n, k, p, q] = f(bias[k] + sum over c, r, s of x[n, c, p*stride - pad + r, q*stride - pad + s] * w[k, c, r, s]),
    /// reading zeros outside the input; f an activation or none (null). y must not be x.
    /// </summary>
    [BackendOp]
    public void Conv2dForward(DeviceBuffer<float> x, DeviceBuffer<float> weight, DeviceBuffer<float> bias, DeviceBuffer<float> y,
        Conv2dShape shape, Activation? activation)
    {
        CheckConv(shape);
        CheckTensor(x, shape.InputLength, nameof(x));
        CheckTensor(weight, shape.WeightLength, nameof(weight));
        CheckTensor(bias, shape.OutChannels, nameof(bias));
        CheckTensor(y, shape.OutputLength, nameof(y));
        CheckDistinct(x, y, "Conv2dForward", "x", "y");
        Conv2dForwardCore(x, weight, bias, y, shape, activation);
    }

    /// <summary>
    /// The input's gradient: dX[n, c, h, w] = sum over the outputs (k, p, q) that read x[n, c, h, w] of
    /// dY[n, k, p, q] * w[k, c, r, s]; dY is the gradient after any activation's.
    /// </summary>
    [BackendOp]
    public void Conv2dBackwardInput(DeviceBuffer<float> dY, DeviceBuffer<float> weight, DeviceBuffer<float> dX, Conv2dShape shape)
    {
        CheckConv(shape);
        CheckTensor(dY, shape.OutputLength, nameof(dY));
        CheckTensor(weight, shape.WeightLength, nameof(weight));
        CheckTensor(dX, shape.InputLength, nameof(dX));
        CheckDistinct(dY, dX, "Conv2dBackwardInput", "dY", "dX");
        Conv2dBackwardInputCore(dY, weight, dX, shape);
    }

    /// <summary>
    /// The parameters' gradients: dW[k, c, r, s] = sum over n, p, q of dY[n, k, p, q] * x[n, c, p*stride - pad + r, q*stride - pad + s]
    /// and dBias[k] = sum over n, p, q of dY[n, k, p, q].
    /// </summary>
    [BackendOp]
    public void Conv2dBackwardWeight(DeviceBuffer<float> dY, DeviceBuffer<float> x, DeviceBuffer<float> dWeight, DeviceBuffer<float> dBias,
        Conv2dShape shape)
    {
        CheckConv(shape);
        CheckTensor(dY, shape.OutputLength, nameof(dY));
        CheckTensor(x, shape.InputLength, nameof(x));
        CheckTensor(dWeight, shape.WeightLength, nameof(dWeight));
        CheckTensor(dBias, shape.OutChannels, nameof(dBias));
        Conv2dBackwardWeightCore(dY, x, dWeight, dBias, shape);
    }

    /// <summary>
    /// The scratch this backend allocates for itself to run <paramref name="pass"/> on <paramref name="shape"/>,
    /// one entry per slot, a pure function of the two: the backend sizes its own scratch from it, so a memory
    /// plan that asks sees every byte a run takes. None by default (a backend that needs no scratch).
    /// </summary>
    public IReadOnlyList<ScratchNeed> ConvolutionScratch(ConvolutionPass pass, Conv2dShape shape)
    {
        ThrowIfDisposed();
        CheckConv(shape);
        if (!Enum.IsDefined(pass))
        {
            throw new InvalidInputException($"unknown convolution pass {pass}");
        }
        return ConvolutionScratchCore(pass, shape);
    }

    // ---------------------------------------------------------------- pooling

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

    // ---------------------------------------------------------------- dropout

    /// <summary>y[i] = x[i] * step.KeptScale where <see cref="DropoutMask.Keep"/>(i, step), else 0. y may be x.</summary>
    [BackendOp]
    public void DropoutForward(DeviceBuffer<float> x, DeviceBuffer<float> y, int count, DropoutStep step)
    {
        CheckPositive(count, "count");
        CheckTensor(x, count, nameof(x));
        CheckTensor(y, count, nameof(y));
        CheckDropout(step);
        DropoutForwardCore(x, y, count, step);
    }

    /// <summary>dX[i] = dY[i] * step.KeptScale where the same mask keeps i, else 0. dX may be dY.</summary>
    [BackendOp]
    public void DropoutBackward(DeviceBuffer<float> dY, DeviceBuffer<float> dX, int count, DropoutStep step)
    {
        CheckPositive(count, "count");
        CheckTensor(dY, count, nameof(dY));
        CheckTensor(dX, count, nameof(dX));
        CheckDropout(step);
        DropoutBackwardCore(dY, dX, count, step);
    }

    // ---------------------------------------------------------------- Adadelta

    /// <summary>Adadelta in place, as <see cref="AdadeltaStep"/> writes it; both state buffers start at zero.</summary>
    [BackendOp]
    public void AdadeltaUpdate(DeviceBuffer<float> parameters, DeviceBuffer<float> gradients, DeviceBuffer<float> squareAverage,
        DeviceBuffer<float> deltaAverage, int count, AdadeltaStep step)
    {
        CheckPositive(count, "count");
        CheckTensor(parameters, count, nameof(parameters));
        CheckTensor(gradients, count, nameof(gradients));
        CheckTensor(squareAverage, count, nameof(squareAverage));
        CheckTensor(deltaAverage, count, nameof(deltaAverage));
        AdadeltaUpdateCore(parameters, gradients, squareAverage, deltaAverage, count, step);
    }

    // ---------------------------------------------------------------- implementation hooks

    protected abstract void Conv2dForwardCore(DeviceBuffer<float> x, DeviceBuffer<float> weight, DeviceBuffer<float> bias,
        DeviceBuffer<float> y, Conv2dShape shape, Activation? activation);

    protected abstract void Conv2dBackwardInputCore(DeviceBuffer<float> dY, DeviceBuffer<float> weight, DeviceBuffer<float> dX,
        Conv2dShape shape);

    protected abstract void Conv2dBackwardWeightCore(DeviceBuffer<float> dY, DeviceBuffer<float> x, DeviceBuffer<float> dWeight,
        DeviceBuffer<float> dBias, Conv2dShape shape);

    /// <summary>What <see cref="ConvolutionScratch"/> answers, for a valid shape and pass.</summary>
    protected virtual IReadOnlyList<ScratchNeed> ConvolutionScratchCore(ConvolutionPass pass, Conv2dShape shape) => [];

    protected abstract void MaxPool2dForwardCore(DeviceBuffer<float> x, DeviceBuffer<float> y, DeviceBuffer<int> argmax, Pool2dShape shape);

    protected abstract void MaxPool2dBackwardCore(DeviceBuffer<float> dY, DeviceBuffer<int> argmax, DeviceBuffer<float> dX, Pool2dShape shape);

    protected abstract void DropoutForwardCore(DeviceBuffer<float> x, DeviceBuffer<float> y, int count, DropoutStep step);

    protected abstract void DropoutBackwardCore(DeviceBuffer<float> dY, DeviceBuffer<float> dX, int count, DropoutStep step);

    protected abstract void AdadeltaUpdateCore(DeviceBuffer<float> parameters, DeviceBuffer<float> gradients, DeviceBuffer<float> squareAverage,
        DeviceBuffer<float> deltaAverage, int count, AdadeltaStep step);

    private static void CheckConv(Conv2dShape shape)
    {
        if (shape.Problem is { } problem)
        {
            throw new InvalidInputException($"convolution {shape} is not valid: {problem}");
        }
    }

    private static void CheckPool(Pool2dShape shape)
    {
        if (shape.Problem is { } problem)
        {
            throw new InvalidInputException($"pooling {shape} is not valid: {problem}");
        }
    }

    private static void CheckDropout(DropoutStep step)
    {
        if (!(step.Probability >= 0f && step.Probability < 1f))
        {
            throw new InvalidInputException($"a dropout probability must be in [0, 1), got {step.Probability}");
        }
    }

    private void CheckTensor<T>(DeviceBuffer<T> buffer, long needed, string name) where T : unmanaged
    {
        CheckBuffer(buffer, name);
        CheckLength(buffer, needed, name);
    }

    private static void CheckDistinct(object input, object output, string op, string inputName, string outputName)
    {
        if (ReferenceEquals(input, output))
        {
            throw new InvalidInputException($"{op} writes {outputName} while it reads {inputName}: they must be different buffers");
        }
    }
}
