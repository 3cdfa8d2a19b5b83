namespace Descent.Kernels.Reference;

/// <summary>
/// The ops of convolutional nets as plain loops in double. Layouts are NCHW: x (N,C,H,W), weight
/// (K,C,R,S), y (N,K,P,Q) for a convolution; x (N,C,H,W) and y (N,C,P,Q) for a pooling.
/// </summary>
public static partial class ReferenceMath
{
    // ---------------------------------------------------------------- convolution

    /// <summary>
    /// Forward: y[n,k,p,q] = f(bias[k] + sum over c, r, s of x[n, c, p*stride - pad + r, q*stride - pad + s] * w[k,c,r,s]),
    /// zeros read outside the input; no activation when <paramref name="activation"/> is null.
    /// </summary>
    public static void Conv2dForward(double[] y, double[] x, double[] weight, double[] bias, Conv2dShape shape, Activation? activation)
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
                        var sum = bias[k];
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
    /// dBias (K) = the sum over n, p, q of dY[n,k,p,q].
    /// </summary>
    public static void Conv2dBackwardWeight(double[] dWeight, double[] dBias, double[] dY, double[] x, Conv2dShape shape)
    {
        Array.Clear(dWeight);
        ForEachTap(shape, (outputIndex, inputIndex, weightIndex) => dWeight[weightIndex] += dY[outputIndex] * x[inputIndex]);
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

    // ---------------------------------------------------------------- Adadelta

    /// <summary>
    /// Adadelta in place over parameters, both averages and gradients (N), PyTorch's form:
    /// g = grad + weightDecay * param; squareAverage = rho * squareAverage + (1 - rho) g^2;
    /// delta = sqrt(deltaAverage + eps) / sqrt(squareAverage + eps) * g;
    /// deltaAverage = rho * deltaAverage + (1 - rho) delta^2; param -= learningRate * delta.
    /// </summary>
    public static void AdadeltaUpdate(double[] parameters, double[] squareAverage, double[] deltaAverage, double[] gradients,
        int count, AdadeltaStep step)
    {
        double rho = step.Rho;
        double epsilon = step.Epsilon;
        for (var i = 0; i < count; i++)
        {
            var g = gradients[i] + step.WeightDecay * parameters[i];
            squareAverage[i] = rho * squareAverage[i] + (1 - rho) * g * g;
            var delta = Math.Sqrt(deltaAverage[i] + epsilon) / Math.Sqrt(squareAverage[i] + epsilon) * g;
            deltaAverage[i] = rho * deltaAverage[i] + (1 - rho) * delta * delta;
            parameters[i] -= step.LearningRate * delta;
        }
    }
}
