namespace Descent.Kernels;

/// <summary>
/// 2-D convolution and its two gradients, and the scratch a backend declares for them. Each output is
/// overwritten (never accumulated into), and each op is deterministic: no float atomics, sums in a fixed order.
/// </summary>
public abstract partial class ComputeBackend
{
    // ---------------------------------------------------------------- convolution

    /// <summary>
    /// y[n, k, p, q] = f(bias[k] + sum over c, r, s of x[n, c, p*stride - pad + r, q*stride - pad + s] * w[k, c, r, s]),
    /// reading zeros outside the input; f an activation or none (null). A null bias is a convolution without one
    /// (PyTorch's bias=False): nothing is added and no buffer is read. y must not be x.
    /// </summary>
    [BackendOp]
    public void Conv2dForward(DeviceBuffer<float> x, DeviceBuffer<float> weight, DeviceBuffer<float>? bias, DeviceBuffer<float> y,
        Conv2dShape shape, Activation? activation)
    {
        CheckConv(shape);
        CheckTensor(x, shape.InputLength, nameof(x));
        CheckTensor(weight, shape.WeightLength, nameof(weight));
        if (bias is not null)
        {
            CheckTensor(bias, shape.OutChannels, nameof(bias));
        }
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
    /// and dBias[k] = sum over n, p, q of dY[n, k, p, q]; a null dBias (a convolution without bias) is neither summed nor written.
    /// </summary>
    [BackendOp]
    public void Conv2dBackwardWeight(DeviceBuffer<float> dY, DeviceBuffer<float> x, DeviceBuffer<float> dWeight, DeviceBuffer<float>? dBias,
        Conv2dShape shape)
    {
        CheckConv(shape);
        CheckTensor(dY, shape.OutputLength, nameof(dY));
        CheckTensor(x, shape.InputLength, nameof(x));
        CheckTensor(dWeight, shape.WeightLength, nameof(dWeight));
        if (dBias is not null)
        {
            CheckTensor(dBias, shape.OutChannels, nameof(dBias));
        }
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

    // ---------------------------------------------------------------- implementation hooks

    protected abstract void Conv2dForwardCore(DeviceBuffer<float> x, DeviceBuffer<float> weight, DeviceBuffer<float>? bias,
        DeviceBuffer<float> y, Conv2dShape shape, Activation? activation);

    protected abstract void Conv2dBackwardInputCore(DeviceBuffer<float> dY, DeviceBuffer<float> weight, DeviceBuffer<float> dX,
        Conv2dShape shape);

    protected abstract void Conv2dBackwardWeightCore(DeviceBuffer<float> dY, DeviceBuffer<float> x, DeviceBuffer<float> dWeight,
        DeviceBuffer<float>? dBias, Conv2dShape shape);

    /// <summary>What <see cref="ConvolutionScratch"/> answers, for a valid shape and pass.</summary>
    protected virtual IReadOnlyList<ScratchNeed> ConvolutionScratchCore(ConvolutionPass pass, Conv2dShape shape) => [];

    private static void CheckConv(Conv2dShape shape)
    {
        if (shape.Problem is { } problem)
        {
            throw new InvalidInputException($"convolution {shape} is not valid: {problem}");
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
