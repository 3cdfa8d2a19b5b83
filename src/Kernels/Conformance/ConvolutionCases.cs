using Descent.Kernels.Reference;

namespace Descent.Kernels.Conformance;

/// <summary>
/// The convolution's forward (with every activation and none), input gradient and weight and bias
/// gradients against the reference, on odd shapes: kernels 3 and 5 and one not square, strides 1 and
/// 2, padding 0 and 1, inputs not square, batches and channels above 1, the lesson's first layer for
/// one image, and a shape large enough that a multithreaded, blocked backend splits it. Outputs start
/// as NaN: every op overwrites them. One case runs all three through views of shared buffers. Convolutions
/// without bias (a null bias and dBias) run on a few of the shapes: the outputs must be the bias-free sums.
/// </summary>
internal static class ConvolutionCases
{
    public static readonly Conv2dShape[] Shapes =
    [
        new(Batch: 2, InChannels: 3, Height: 7, Width: 9, OutChannels: 4, KernelHeight: 3, KernelWidth: 3, Stride: 1, Padding: 0),
        new(Batch: 2, InChannels: 3, Height: 7, Width: 9, OutChannels: 4, KernelHeight: 3, KernelWidth: 3, Stride: 2, Padding: 1),
        new(Batch: 3, InChannels: 2, Height: 9, Width: 6, OutChannels: 5, KernelHeight: 5, KernelWidth: 5, Stride: 1, Padding: 1),
        new(Batch: 2, InChannels: 2, Height: 11, Width: 8, OutChannels: 3, KernelHeight: 5, KernelWidth: 5, Stride: 2, Padding: 0),
        new(Batch: 2, InChannels: 5, Height: 6, Width: 7, OutChannels: 3, KernelHeight: 3, KernelWidth: 5, Stride: 1, Padding: 1),
        new(Batch: 1, InChannels: 1, Height: 28, Width: 28, OutChannels: 4, KernelHeight: 3, KernelWidth: 3, Stride: 1, Padding: 0),
        new(Batch: 2, InChannels: 3, Height: 7, Width: 6, OutChannels: 5, KernelHeight: 3, KernelWidth: 2, Stride: 2, Padding: 1),
        new(Batch: 1, InChannels: 1, Height: 4, Width: 3, OutChannels: 2, KernelHeight: 1, KernelWidth: 1, Stride: 1, Padding: 2),
        // One padded input channel over more images than threads, rows of 11 outputs (a vector and an overlapping one).
        new(Batch: 5, InChannels: 1, Height: 9, Width: 11, OutChannels: 3, KernelHeight: 3, KernelWidth: 3, Stride: 1, Padding: 1),
        Large,
        // Stride 1 over 8 or more channels in and out, counts that fill no tile: 9 input channels (a tile of the input
        // gradient and one row of another), 20 and 40 output channels (channel vectors half used), 81 and 120 taps, more
        // images than a weight gradient has chunks, and wide rows that end inside a tile.
        new(Batch: 9, InChannels: 9, Height: 7, Width: 5, OutChannels: 20, KernelHeight: 3, KernelWidth: 3, Stride: 1, Padding: 1),
        new(Batch: 2, InChannels: 8, Height: 6, Width: 13, OutChannels: 40, KernelHeight: 3, KernelWidth: 5, Stride: 1, Padding: 2),
        // Stride 2 over odd and even bordered sizes (a ResNet stage's opening convolution and its 1x1 shortcut), and rows of
        // 21 outputs (a backend may move them eight and four at a time).
        new(Batch: 9, InChannels: 8, Height: 9, Width: 12, OutChannels: 20, KernelHeight: 3, KernelWidth: 3, Stride: 2, Padding: 1),
        new(Batch: 2, InChannels: 8, Height: 5, Width: 41, OutChannels: 8, KernelHeight: 3, KernelWidth: 3, Stride: 2, Padding: 1),
        new(Batch: 3, InChannels: 8, Height: 10, Width: 7, OutChannels: 12, KernelHeight: 1, KernelWidth: 1, Stride: 2, Padding: 0),
        // 3x3 at stride 1 over 8 or more channels each way and 12 or more 2x2 output blocks to a row, as a backend may
        // compute it from such blocks: padding 0 (its input gradient bordered by 2) with an odd output height and 18 blocks
        // to a row (a vector of 16 and one of 2), padding 2 (the input gradient unbordered), and short planes of many
        // images, several units to a thread.
        new(Batch: 3, InChannels: 8, Height: 9, Width: 37, OutChannels: 16, KernelHeight: 3, KernelWidth: 3, Stride: 1, Padding: 0),
        new(Batch: 2, InChannels: 8, Height: 5, Width: 24, OutChannels: 8, KernelHeight: 3, KernelWidth: 3, Stride: 1, Padding: 2),
        new(Batch: 12, InChannels: 8, Height: 4, Width: 24, OutChannels: 8, KernelHeight: 3, KernelWidth: 3, Stride: 1, Padding: 1),
        // Narrow planes, 4 to 11 blocks to a row, which a backend may still take from blocks with lanes left idle: 7x7 (four
        // blocks, the last one's second column and row past the output; whole images, several to a unit) and 13x14.
        new(Batch: 5, InChannels: 16, Height: 7, Width: 7, OutChannels: 16, KernelHeight: 3, KernelWidth: 3, Stride: 1, Padding: 1),
        new(Batch: 2, InChannels: 8, Height: 13, Width: 14, OutChannels: 8, KernelHeight: 3, KernelWidth: 3, Stride: 1, Padding: 1),
        // The same with 32 input channels, as a backend may take the weight gradient from those blocks too: short planes of
        // more images than a gradient has chunks, 12 output channels (a tile and half of one), and planes with more blocks
        // than one unit holds (groups of block rows, the last one shorter); and an odd output width and height (25 x 5: the
        // last block's second column and second row past the output).
        new(Batch: 10, InChannels: 32, Height: 4, Width: 24, OutChannels: 12, KernelHeight: 3, KernelWidth: 3, Stride: 1, Padding: 1),
        new(Batch: 2, InChannels: 32, Height: 30, Width: 24, OutChannels: 8, KernelHeight: 3, KernelWidth: 3, Stride: 1, Padding: 1),
        new(Batch: 2, InChannels: 32, Height: 7, Width: 27, OutChannels: 8, KernelHeight: 3, KernelWidth: 3, Stride: 1, Padding: 0),
    ];

    /// <summary>Big enough (K = 144, 480 output pixels, 32 output channels) for a backend to block and split it.</summary>
    public static Conv2dShape Large => new(Batch: 4, InChannels: 16, Height: 12, Width: 10, OutChannels: 32,
        KernelHeight: 3, KernelWidth: 3, Stride: 1, Padding: 1);

    public static IEnumerable<ConformanceCase> Create()
    {
        foreach (var shape in Shapes)
        {
            var label = Label(shape);
            foreach (var activation in Enum.GetValues<Activation>().Select(value => (Activation?)value).Prepend(null))
            {
                var name = $"conv forward {label} {(activation is { } f ? CliNames.Of(f) : "none")}";
                yield return new(name, nameof(ComputeBackend.Conv2dForward), backend => Forward(backend, name, shape, activation));
            }
            var inputName = $"conv backward input {label}";
            yield return new(inputName, nameof(ComputeBackend.Conv2dBackwardInput), backend => BackwardInput(backend, inputName, shape));
            var weightName = $"conv backward weight {label}";
            yield return new(weightName, nameof(ComputeBackend.Conv2dBackwardWeight), backend => BackwardWeight(backend, weightName, shape));
        }
        foreach (var shape in WithoutBiasShapes)
        {
            var label = Label(shape);
            foreach (var activation in new Activation?[] { null, Activation.Relu })
            {
                var name = $"conv forward without bias {label} {(activation is { } f ? CliNames.Of(f) : "none")}";
                yield return new(name, nameof(ComputeBackend.Conv2dForward), backend => Forward(backend, name, shape, activation, withBias: false));
            }
            var weightName = $"conv backward weight without bias {label}";
            yield return new(weightName, nameof(ComputeBackend.Conv2dBackwardWeight),
                backend => BackwardWeight(backend, weightName, shape, withBias: false));
        }
        yield return new("view conv forward and gradients over views", nameof(ComputeBackend.Conv2dBackwardWeight), OnViews);
    }

    /// <summary>Strided and padded, a kernel not square, and the shape a backend splits.</summary>
    public static Conv2dShape[] WithoutBiasShapes => [Shapes[1], Shapes[4], Large];

    /// <summary>"2x3x7x9 to 4 k3x3 s1 p0": input N x C x H x W, output channels, kernel, stride, padding.</summary>
    public static string Label(Conv2dShape shape) =>
        $"{shape.Batch}x{shape.InChannels}x{shape.Height}x{shape.Width} to {shape.OutChannels} " +
        $"k{shape.KernelHeight}x{shape.KernelWidth} s{shape.Stride} p{shape.Padding}";

    /// <summary>x, weight, bias and an output gradient dY, all in [-1, 1].</summary>
    public static (float[] X, float[] Weight, float[] Bias, float[] DY) Inputs(Conv2dShape shape)
    {
        var random = SeededInputs.NewGenerator();
        return (SeededInputs.Uniform(random, (int)shape.InputLength, -1, 1), SeededInputs.Uniform(random, (int)shape.WeightLength, -1, 1),
            SeededInputs.Uniform(random, shape.OutChannels, -1, 1), SeededInputs.Uniform(random, (int)shape.OutputLength, -1, 1));
    }

    /// <summary>Each output sums C R S products and the bias, each at most 1.</summary>
    public static Tolerance ForwardTolerance(Conv2dShape shape) =>
        Tolerances.Sum(shape.InChannels * shape.KernelHeight * shape.KernelWidth + 1, 1);

    /// <summary>Each input gradient sums at most K R S products.</summary>
    public static Tolerance InputTolerance(Conv2dShape shape) =>
        Tolerances.Sum(shape.OutChannels * shape.KernelHeight * shape.KernelWidth, 1);

    /// <summary>Each weight and bias gradient sums N P Q terms.</summary>
    public static Tolerance WeightTolerance(Conv2dShape shape) => Tolerances.Sum(shape.Batch * shape.OutHeight * shape.OutWidth, 1);

    public static float[] ForwardOnBackend(ComputeBackend backend, Conv2dShape shape, Activation? activation, bool withBias = true)
    {
        var (x, weight, bias, _) = Inputs(shape);
        using var scope = new BufferScope(backend);
        var y = scope.Upload(SeededInputs.Repeat(float.NaN, (int)shape.OutputLength));
        backend.Conv2dForward(scope.Upload(x), scope.Upload(weight), withBias ? scope.Upload(bias) : null, y, shape, activation);
        return scope.Download(y);
    }

    public static float[] BackwardInputOnBackend(ComputeBackend backend, Conv2dShape shape)
    {
        var (_, weight, _, dY) = Inputs(shape);
        using var scope = new BufferScope(backend);
        var dX = scope.Upload(SeededInputs.Repeat(float.NaN, (int)shape.InputLength));
        backend.Conv2dBackwardInput(scope.Upload(dY), scope.Upload(weight), dX, shape);
        return scope.Download(dX);
    }

    public static (float[] DWeight, float[] DBias) BackwardWeightOnBackend(ComputeBackend backend, Conv2dShape shape)
    {
        var (dWeight, dBias) = BackwardWeightOnBackend(backend, shape, withBias: true);
        return (dWeight, dBias!);
    }

    /// <summary>dW, and dBias when <paramref name="withBias"/> (null otherwise: the op is given no dBias).</summary>
    public static (float[] DWeight, float[]? DBias) BackwardWeightOnBackend(ComputeBackend backend, Conv2dShape shape, bool withBias)
    {
        var (x, _, _, dY) = Inputs(shape);
        using var scope = new BufferScope(backend);
        var dWeight = scope.Upload(SeededInputs.Repeat(float.NaN, (int)shape.WeightLength));
        var dBias = withBias ? scope.Upload(SeededInputs.Repeat(float.NaN, shape.OutChannels)) : null;
        backend.Conv2dBackwardWeight(scope.Upload(dY), scope.Upload(x), dWeight, dBias, shape);
        return (scope.Download(dWeight), dBias is null ? null : scope.Download(dBias));
    }

    private static ConformanceResult Forward(ComputeBackend backend, string name, Conv2dShape shape, Activation? activation,
        bool withBias = true)
    {
        var comparison = new Comparison();
        comparison.Close("y", ForwardOnBackend(backend, shape, activation, withBias), ExpectedForward(shape, activation, withBias),
            ForwardTolerance(shape));
        return comparison.Result(name);
    }

    private static ConformanceResult BackwardInput(ComputeBackend backend, string name, Conv2dShape shape)
    {
        var comparison = new Comparison();
        comparison.Close("dX", BackwardInputOnBackend(backend, shape), ExpectedInputGradient(shape), InputTolerance(shape));
        return comparison.Result(name);
    }

    private static ConformanceResult BackwardWeight(ComputeBackend backend, string name, Conv2dShape shape, bool withBias = true)
    {
        var (dWeight, dBias) = BackwardWeightOnBackend(backend, shape, withBias);
        var (expectedWeight, expectedBias) = ExpectedWeightGradients(shape);
        var comparison = new Comparison();
        comparison.Close("dW", dWeight, expectedWeight, WeightTolerance(shape));
        if (dBias is not null)
        {
            comparison.Close("dBias", dBias, expectedBias, WeightTolerance(shape));
        }
        return comparison.Result(name);
    }

    private static double[] ExpectedForward(Conv2dShape shape, Activation? activation, bool withBias = true)
    {
        var (x, weight, bias, _) = Inputs(shape);
        var y = new double[shape.OutputLength];
        ReferenceMath.Conv2dForward(y, Precision.Widen(x), Precision.Widen(weight), withBias ? Precision.Widen(bias) : null, shape, activation);
        return y;
    }

    private static double[] ExpectedInputGradient(Conv2dShape shape)
    {
        var (_, weight, _, dY) = Inputs(shape);
        var dX = new double[shape.InputLength];
        ReferenceMath.Conv2dBackwardInput(dX, Precision.Widen(dY), Precision.Widen(weight), shape);
        return dX;
    }

    private static (double[] DWeight, double[] DBias) ExpectedWeightGradients(Conv2dShape shape)
    {
        var (x, _, _, dY) = Inputs(shape);
        var dWeight = new double[shape.WeightLength];
        var dBias = new double[shape.OutChannels];
        ReferenceMath.Conv2dBackwardWeight(dWeight, dBias, Precision.Widen(dY), Precision.Widen(x), shape);
        return (dWeight, dBias);
    }

    /// <summary>
    /// As a model lays them out: weight and bias are views of one parameter buffer, dW and dBias views of
    /// one gradient buffer, x, y, dY and dX views of one activation buffer; every view starts past a guard
    /// region that must come back untouched.
    /// </summary>
    private static ConformanceResult OnViews(ComputeBackend backend)
    {
        const string name = "view conv forward and gradients over views";
        var shape = Shapes[1];
        var (x, weight, bias, dY) = Inputs(shape);
        var alignment = backend.ViewAlignment;
        int Aligned(int index) => (index + alignment - 1) / alignment * alignment;
        var (weightLength, inputLength, outputLength) = ((int)shape.WeightLength, (int)shape.InputLength, (int)shape.OutputLength);
        var weightStart = alignment;
        var biasStart = Aligned(weightStart + weightLength);
        var parameterTotal = biasStart + shape.OutChannels + 3;
        var xStart = alignment;
        var yStart = Aligned(xStart + inputLength);
        var dYStart = Aligned(yStart + outputLength);
        var dXStart = Aligned(dYStart + outputLength);
        var activationTotal = dXStart + inputLength + 3;

        using var scope = new BufferScope(backend);
        var parameters = scope.Upload(SeededInputs.Repeat(Guard, parameterTotal));
        var gradients = scope.Upload(SeededInputs.Repeat(Guard, parameterTotal));
        var activations = scope.Upload(SeededInputs.Repeat(Guard, activationTotal));
        var (weightView, biasView) = (backend.Slice(parameters, weightStart, weightLength), backend.Slice(parameters, biasStart, shape.OutChannels));
        var (dWeightView, dBiasView) = (backend.Slice(gradients, weightStart, weightLength), backend.Slice(gradients, biasStart, shape.OutChannels));
        var (xView, yView) = (backend.Slice(activations, xStart, inputLength), backend.Slice(activations, yStart, outputLength));
        var (dYView, dXView) = (backend.Slice(activations, dYStart, outputLength), backend.Slice(activations, dXStart, inputLength));
        backend.Upload<float>(weightView, weight);
        backend.Upload<float>(biasView, bias);
        backend.Upload<float>(xView, x);
        backend.Upload<float>(dYView, dY);
        backend.Conv2dForward(xView, weightView, biasView, yView, shape, Activation.Relu);
        backend.Conv2dBackwardInput(dYView, weightView, dXView, shape);
        backend.Conv2dBackwardWeight(dYView, xView, dWeightView, dBiasView, shape);

        var activationValues = scope.Download(activations);
        var gradientValues = scope.Download(gradients);
        var (expectedWeight, expectedBias) = ExpectedWeightGradients(shape);
        var comparison = new Comparison();
        comparison.Close("y", activationValues.AsSpan(yStart, outputLength), ExpectedForward(shape, Activation.Relu), ForwardTolerance(shape));
        comparison.Close("dX", activationValues.AsSpan(dXStart, inputLength), ExpectedInputGradient(shape), InputTolerance(shape));
        comparison.Close("dW", gradientValues.AsSpan(weightStart, weightLength), expectedWeight, WeightTolerance(shape));
        comparison.Close("dBias", gradientValues.AsSpan(biasStart, shape.OutChannels), expectedBias, WeightTolerance(shape));
        comparison.Exact("x, read only", activationValues.AsSpan(xStart, inputLength), x);
        comparison.Exact("dY, read only", activationValues.AsSpan(dYStart, outputLength), dY);
        comparison.Exact("around the activations", Outside(activationValues, (xStart, inputLength), (yStart, outputLength),
            (dYStart, outputLength), (dXStart, inputLength)), Guards(activationValues.Length - 2 * inputLength - 2 * outputLength));
        comparison.Exact("around the gradients", Outside(gradientValues, (weightStart, weightLength), (biasStart, shape.OutChannels)),
            Guards(parameterTotal - weightLength - shape.OutChannels));
        return comparison.Result(name);
    }

    private const float Guard = -7.25f;

    private static float[] Guards(int count) => SeededInputs.Repeat(Guard, count);

    /// <summary>The elements outside every given range, in order.</summary>
    private static float[] Outside(float[] values, params (int Start, int Length)[] ranges) =>
        values.Where((_, i) => !ranges.Any(range => i >= range.Start && i < range.Start + range.Length)).ToArray();
}
