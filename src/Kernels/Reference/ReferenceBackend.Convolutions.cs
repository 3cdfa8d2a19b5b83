namespace Descent.Kernels.Reference;

/// <summary>Convolution and its gradients: each widens its inputs, runs <see cref="ReferenceMath"/>'s loop, and stores the result.</summary>
public partial class ReferenceBackend
{
    protected override void Conv2dForwardCore(DeviceBuffer<float> x, DeviceBuffer<float> weight, DeviceBuffer<float>? bias,
        DeviceBuffer<float> y, Conv2dShape shape, Activation? activation)
    {
        var result = new double[shape.OutputLength];
        ReferenceMath.Conv2dForward(result, Widen(x, (int)shape.InputLength), Widen(weight, (int)shape.WeightLength),
            bias is null ? null : Widen(bias, shape.OutChannels), shape, activation);
        Store(result, y);
    }

    protected override void Conv2dBackwardInputCore(DeviceBuffer<float> dY, DeviceBuffer<float> weight, DeviceBuffer<float> dX,
        Conv2dShape shape)
    {
        var result = new double[shape.InputLength];
        ReferenceMath.Conv2dBackwardInput(result, Widen(dY, (int)shape.OutputLength), Widen(weight, (int)shape.WeightLength), shape);
        Store(result, dX);
    }

    protected override void Conv2dBackwardWeightCore(DeviceBuffer<float> dY, DeviceBuffer<float> x, DeviceBuffer<float> dWeight,
        DeviceBuffer<float>? dBias, Conv2dShape shape)
    {
        var weightGradient = new double[shape.WeightLength];
        var biasGradient = dBias is null ? null : new double[shape.OutChannels];
        ReferenceMath.Conv2dBackwardWeight(weightGradient, biasGradient, Widen(dY, (int)shape.OutputLength),
            Widen(x, (int)shape.InputLength), shape);
        Store(weightGradient, dWeight);
        if (dBias is not null)
        {
            Store(biasGradient!, dBias);
        }
    }
}

// Layouts are NCHW: x (N,C,H,W), weight (K,C,R,S), y (N,K,P,Q).
public static partial class ReferenceMath
{
    // ---------------------------------------------------------------- convolution

    /// <summary>
    /// Forward: y[n,k,p,q] = f(bias[k] + sum over c, r, s of x[n, c, p*stride - pad + r, q*stride - pad + s] * w[k,c,r,s]),
    /// zeros read outside the input; no bias when <paramref name="bias"/> is null, no activation when <paramref name="activation"/> is.
    /// </summary>
    public static void Conv2dForward(double[] y, double[] x, double[] weight, double[]? bias, Conv2dShape shape, Activation? activation)
    {
        var (outHeight, outWidth) = (shape.OutHeight, shape.OutWidth);
        for (var n = 0; n < shape.Batch; n++)
        {
            for (var k = 0; k < shape.OutChannels; k++)
            {
                for (var p = 0; p < outHeight; p++)
                {
                    for (var q = 0; q < outWidth; q++)
                    {
                        var sum = bias is null ? 0.0 : bias[k];
                        for (var c = 0; c < shape.InChannels; c++)
                        {
                            for (var r = 0; r < shape.KernelHeight; r++)
                            {
                                for (var s = 0; s < shape.KernelWidth; s++)
                                {
                                    if (InputIndex(shape, n, c, p, q, r, s) is { } index)
                                    {
                                        sum += x[index] * weight[WeightIndex(shape, k, c, r, s)];
                                    }
                                }
                            }
                        }
                        y[((n * shape.OutChannels + k) * outHeight + p) * outWidth + q] = activation is { } f ? Activate(f, sum) : sum;
                    }
                }
            }
        }
    }

    /// <summary>Backward to the input: dX (N,C,H,W) = the sum, over every output that read x[n,c,h,w], of dY[n,k,p,q] * w[k,c,r,s].</summary>
    public static void Conv2dBackwardInput(double[] dX, double[] dY, double[] weight, Conv2dShape shape)
    {
        Array.Clear(dX);
        ForEachTap(shape, (outputIndex, inputIndex, weightIndex) => dX[inputIndex] += dY[outputIndex] * weight[weightIndex]);
    }

    /// <summary>
    /// Backward to the parameters: dW (K,C,R,S) = the sum over n, p, q of dY[n,k,p,q] * x[n, c, p*stride - pad + r, q*stride - pad + s];
    /// dBias (K) = the sum over n, p, q of dY[n,k,p,q], when there is a bias (not null).
    /// </summary>
    public static void Conv2dBackwardWeight(double[] dWeight, double[]? dBias, double[] dY, double[] x, Conv2dShape shape)
    {
        Array.Clear(dWeight);
        ForEachTap(shape, (outputIndex, inputIndex, weightIndex) => dWeight[weightIndex] += dY[outputIndex] * x[inputIndex]);
        if (dBias is null)
        {
            return;
        }
        var plane = shape.OutHeight * shape.OutWidth;
        for (var k = 0; k < shape.OutChannels; k++)
        {
            var sum = 0.0;
            for (var n = 0; n < shape.Batch; n++)
            {
                for (var i = 0; i < plane; i++)
                {
                    sum += dY[(n * shape.OutChannels + k) * plane + i];
                }
            }
            dBias[k] = sum;
        }
    }

    /// <summary>Calls <paramref name="tap"/> (output index, input index, weight index) for every product of the forward that reads the input, not the padding.</summary>
    private static void ForEachTap(Conv2dShape shape, Action<int, int, int> tap)
    {
        var (outHeight, outWidth) = (shape.OutHeight, shape.OutWidth);
        for (var n = 0; n < shape.Batch; n++)
        {
            for (var k = 0; k < shape.OutChannels; k++)
            {
                for (var p = 0; p < outHeight; p++)
                {
                    for (var q = 0; q < outWidth; q++)
                    {
                        var outputIndex = ((n * shape.OutChannels + k) * outHeight + p) * outWidth + q;
                        for (var c = 0; c < shape.InChannels; c++)
                        {
                            for (var r = 0; r < shape.KernelHeight; r++)
                            {
                                for (var s = 0; s < shape.KernelWidth; s++)
                                {
                                    if (InputIndex(shape, n, c, p, q, r, s) is { } inputIndex)
                                    {
                                        tap(outputIndex, inputIndex, WeightIndex(shape, k, c, r, s));
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// <summary>Where tap (r, s) of output (p, q) reads x[n, c], or null where it reads the zero padding.</summary>
    private static int? InputIndex(Conv2dShape shape, int n, int c, int p, int q, int r, int s)
    {
        var h = p * shape.Stride - shape.Padding + r;
        var w = q * shape.Stride - shape.Padding + s;
        return h < 0 || h >= shape.Height || w < 0 || w >= shape.Width
            ? null
            : ((n * shape.InChannels + c) * shape.Height + h) * shape.Width + w;
    }

    private static int WeightIndex(Conv2dShape shape, int k, int c, int r, int s) =>
        ((k * shape.InChannels + c) * shape.KernelHeight + r) * shape.KernelWidth + s;
}
