using Descent.Kernels.Reference;

namespace Descent.Kernels.Conformance;

/// <summary>
/// Finite-difference checks of every backward: the backend under test computes a gradient in float,
/// and central differences of the reference forward, in double, say what it should be. Where the
/// reference cases ask "does the backend agree with the reference?", these ask "is the backward the
/// derivative of the forward?", so a formula shared by mistake between a backend and the reference
/// cannot hide. Shapes are small: each coordinate costs two full forward passes.
/// </summary>
internal static class GradientChecks
{
    // The linear layer's batch, inputs and outputs.
    private const int Batch = 5;
    private const int InFeatures = 7;
    private const int OutFeatures = 4;

    private const int ActivationCount = 7 * 13;
    private const int SoftmaxRows = 5;
    private const int SoftmaxCols = 7;
    private const int LossRows = 16;
    private const int Classes = 10;

    private enum LinearGradient
    {
        Inputs,
        Weights,
        Bias,
    }

    public static IEnumerable<ConformanceCase> Create()
    {
        yield return new("grad linear dX", nameof(ComputeBackend.Gemm), backend => Linear(backend, "grad linear dX", LinearGradient.Inputs));
        yield return new("grad linear dW", nameof(ComputeBackend.Gemm), backend => Linear(backend, "grad linear dW", LinearGradient.Weights));
        yield return new("grad linear dBias", nameof(ComputeBackend.BiasBackward),
            backend => Linear(backend, "grad linear dBias", LinearGradient.Bias));
        foreach (var activation in Enum.GetValues<Activation>())
        {
            var name = $"grad {CliNames.Of(activation)}";
            yield return new(name, nameof(ComputeBackend.ActivationBackward), backend => ActivationGradient(backend, name, activation));
        }
        yield return new("grad softmax cross-entropy", nameof(ComputeBackend.SoftmaxCrossEntropy),
            backend => SoftmaxCrossEntropyGradient(backend, "grad softmax cross-entropy", 0f));
        yield return new("grad softmax cross-entropy label smoothing 0.1", nameof(ComputeBackend.SoftmaxCrossEntropy),
            backend => SoftmaxCrossEntropyGradient(backend, "grad softmax cross-entropy label smoothing 0.1", 0.1f));
        foreach (var loss in Enum.GetValues<BinaryLoss>())
        {
            var name = $"grad {LossCases.Label(loss)} loss";
            yield return new(name, nameof(ComputeBackend.BinaryLossForwardBackward), backend => BinaryLossGradient(backend, name, loss));
        }
        foreach (var shape in ConvolutionShapes)
        {
            foreach (var which in Enum.GetValues<LinearGradient>())
            {
                var name = $"grad conv {GradientLabel(which)} {ConvolutionCases.Label(shape)}";
                var op = which == LinearGradient.Inputs ? nameof(ComputeBackend.Conv2dBackwardInput) : nameof(ComputeBackend.Conv2dBackwardWeight);
                yield return new(name, op, backend => Convolution(backend, name, shape, which));
            }
        }
        foreach (var shape in PoolingShapes)
        {
            var name = $"grad maxpool {PoolingCases.Label(shape)}";
            yield return new(name, nameof(ComputeBackend.MaxPool2dBackward), backend => MaxPoolGradient(backend, name, shape));
        }
        yield return new("grad dropout", nameof(ComputeBackend.DropoutBackward), backend => DropoutGradient(backend, "grad dropout"));
        foreach (var shape in BatchNormShapes)
        {
            var name = $"grad batchnorm {NormalizationCases.Label(shape)}";
            yield return new(name, nameof(ComputeBackend.BatchNormBackward), backend => BatchNormGradient(backend, name, shape));
        }
    }

    // Small convolutions and poolings: padding and stride 2, none and stride 1, overlapping and tiling windows.
    private static readonly Conv2dShape[] ConvolutionShapes =
    [
        new(Batch: 2, InChannels: 2, Height: 5, Width: 6, OutChannels: 3, KernelHeight: 3, KernelWidth: 3, Stride: 2, Padding: 1),
        new(Batch: 1, InChannels: 3, Height: 6, Width: 5, OutChannels: 2, KernelHeight: 3, KernelWidth: 3, Stride: 1, Padding: 0),
    ];

    private static readonly Pool2dShape[] PoolingShapes =
    [
        new(Batch: 2, Channels: 2, Height: 7, Width: 5, Kernel: 3, Stride: 2),
        new(Batch: 1, Channels: 3, Height: 4, Width: 6, Kernel: 2, Stride: 2),
    ];

    // An image batch (BatchNorm2d) and feature rows (BatchNorm1d).
    private static readonly BatchNormShape[] BatchNormShapes =
    [
        new(Batch: 2, Channels: 2, PlaneSize: 6),
        new(Batch: 5, Channels: 3, PlaneSize: 1),
    ];

    private static string GradientLabel(LinearGradient which) => which switch
    {
        LinearGradient.Inputs => "dX",
        LinearGradient.Weights => "dW",
        _ => "dBias",
    };

    /// <summary>
    /// Y = conv(X, W) + b and L = sum(G .* Y) for a fixed G, so dY = G: the backend's input gradient and
    /// weight and bias gradients from G against central differences of the reference forward.
    /// </summary>
    private static ConformanceResult Convolution(ComputeBackend backend, string name, Conv2dShape shape, LinearGradient which)
    {
        var (x, w, b, g) = ConvolutionCases.Inputs(shape);
        var (wideX, wideW, wideB, wideG) = (Precision.Widen(x), Precision.Widen(w), Precision.Widen(b), Precision.Widen(g));

        double Loss(double[] inputs, double[] weights, double[] bias)
        {
            var y = new double[shape.OutputLength];
            ReferenceMath.Conv2dForward(y, inputs, weights, bias, shape, activation: null);
            return Dot(wideG, y);
        }

        using var scope = new BufferScope(backend);
        var gBuffer = scope.Upload(g);
        var dX = scope.Allocate<float>((int)shape.InputLength);
        var dW = scope.Allocate<float>((int)shape.WeightLength);
        var dBias = scope.Allocate<float>(shape.OutChannels);
        var (got, expected) = which switch
        {
            LinearGradient.Inputs => (Run(() => backend.Conv2dBackwardInput(gBuffer, scope.Upload(w), dX, shape), dX),
                FiniteDifferences.Gradient(wideX, point => Loss(point, wideW, wideB))),
            LinearGradient.Weights => (Run(() => backend.Conv2dBackwardWeight(gBuffer, scope.Upload(x), dW, dBias, shape), dW),
                FiniteDifferences.Gradient(wideW, point => Loss(wideX, point, wideB))),
            _ => (Run(() => backend.Conv2dBackwardWeight(gBuffer, scope.Upload(x), dW, dBias, shape), dBias),
                FiniteDifferences.Gradient(wideB, point => Loss(wideX, wideW, point))),
        };
        var comparison = new Comparison();
        comparison.Close(GradientLabel(which), got, expected, Tolerances.FiniteDifference(1));
        return comparison.Result(name);

        float[] Run(Action op, DeviceBuffer<float> result)
        {
            op();
            return scope.Download(result);
        }
    }

    /// <summary>
    /// L = sum(G .* maxpool(x)); the backend runs its forward, then its backward from its own argmax.
    /// x is a shuffled 0.01, 0.02, ...: every window's maximum stands 100 finite-difference steps clear
    /// of the runner-up, so no probe changes which element wins.
    /// </summary>
    private static ConformanceResult MaxPoolGradient(ComputeBackend backend, string name, Pool2dShape shape)
    {
        var count = (int)shape.InputLength;
        var random = SeededInputs.NewGenerator();
        var x = Array.ConvertAll(SeededInputs.Permutation(random, count), index => (index - count / 2) * 0.01f);
        var g = SeededInputs.Uniform(random, (int)shape.OutputLength, -1, 1);
        var wideG = Precision.Widen(g);

        using var scope = new BufferScope(backend);
        var y = scope.Allocate<float>((int)shape.OutputLength);
        var argmax = scope.Allocate<int>((int)shape.OutputLength);
        var dX = scope.Allocate<float>(count);
        backend.MaxPool2dForward(scope.Upload(x), y, argmax, shape);
        backend.MaxPool2dBackward(scope.Upload(g), argmax, dX, shape);

        var expected = FiniteDifferences.Gradient(Precision.Widen(x), point =>
        {
            var output = new double[shape.OutputLength];
            ReferenceMath.MaxPool2dForward(output, new int[shape.OutputLength], point, shape);
            return Dot(wideG, output);
        });
        var comparison = new Comparison();
        comparison.Close("dX", scope.Download(dX), expected, Tolerances.FiniteDifference(1));
        return comparison.Result(name);
    }

    /// <summary>L = sum(G .* dropout(x)) for one step's mask: dX must be G scaled where kept and 0 where dropped.</summary>
    private static ConformanceResult DropoutGradient(ComputeBackend backend, string name)
    {
        var step = DropoutCases.Steps[0];
        var random = SeededInputs.NewGenerator();
        var x = SeededInputs.Uniform(random, ActivationCount, -1, 1);
        var g = SeededInputs.Uniform(random, ActivationCount, -1, 1);
        var wideG = Precision.Widen(g);

        using var scope = new BufferScope(backend);
        var dX = scope.Allocate<float>(ActivationCount);
        backend.DropoutBackward(scope.Upload(g), dX, ActivationCount, step);

        var expected = FiniteDifferences.Gradient(Precision.Widen(x), point =>
        {
            var output = new double[ActivationCount];
            ReferenceMath.Dropout(output, point, ActivationCount, step);
            return Dot(wideG, output);
        });
        var comparison = new Comparison();
        comparison.Close("dX", scope.Download(dX), expected, Tolerances.FiniteDifference(1));
        return comparison.Result(name);
    }

    /// <summary>
    /// Y = X W^T + b with X (B, in), W (out, in), b (out), and L = sum(G .* Y) for a fixed G (B, out),
    /// so dY = G. The backward is the engine's: dX = G W, dW = G^T X, both through GEMM's transpose
    /// flags, and dBias = the column sums of G.
    /// </summary>
    private static ConformanceResult Linear(ComputeBackend backend, string name, LinearGradient which)
    {
        var random = SeededInputs.NewGenerator();
        var x = SeededInputs.Uniform(random, Batch * InFeatures, -1, 1);
        var w = SeededInputs.Uniform(random, OutFeatures * InFeatures, -1, 1);
        var b = SeededInputs.Uniform(random, OutFeatures, -1, 1);
        var g = SeededInputs.Uniform(random, Batch * OutFeatures, -1, 1);
        var (wideX, wideW, wideB, wideG) = (Precision.Widen(x), Precision.Widen(w), Precision.Widen(b), Precision.Widen(g));

        double Loss(double[] inputs, double[] weights, double[] bias)
        {
            var y = new double[Batch * OutFeatures];
            ReferenceMath.Gemm(y, inputs, weights, Batch, OutFeatures, InFeatures, transposeA: false, transposeB: true, 1, 0);
            ReferenceMath.BiasAdd(y, bias, Batch, OutFeatures);
            return Dot(wideG, y);
        }

        using var scope = new BufferScope(backend);
        var gBuffer = scope.Upload(g);
        float[] got;
        double[] expected;
        switch (which)
        {
            case LinearGradient.Inputs:
                // dX (B, in) = G (B, out) W (out, in)
                var dX = scope.Allocate<float>(Batch * InFeatures);
                backend.Gemm(false, false, Batch, InFeatures, OutFeatures, 1f, gBuffer, scope.Upload(w), 0f, dX);
                got = scope.Download(dX);
                expected = FiniteDifferences.Gradient(wideX, point => Loss(point, wideW, wideB));
                break;
            case LinearGradient.Weights:
                // dW (out, in) = G^T (out, B) X (B, in)
                var dW = scope.Allocate<float>(OutFeatures * InFeatures);
                backend.Gemm(true, false, OutFeatures, InFeatures, Batch, 1f, gBuffer, scope.Upload(x), 0f, dW);
                got = scope.Download(dW);
                expected = FiniteDifferences.Gradient(wideW, point => Loss(wideX, point, wideB));
                break;
            case LinearGradient.Bias:
                // dBias (out) = sum over the batch of G (B, out)
                var dBias = scope.Allocate<float>(OutFeatures);
                backend.BiasBackward(gBuffer, dBias, Batch, OutFeatures, 0f);
                got = scope.Download(dBias);
                expected = FiniteDifferences.Gradient(wideB, point => Loss(wideX, wideW, point));
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(which), which, "unknown linear-layer gradient");
        }
        var comparison = new Comparison();
        comparison.Close(which.ToString(), got, expected, Tolerances.FiniteDifference(1));
        return comparison.Result(name);
    }

    /// <summary>
    /// L = sum(G .* f(x)); the backend runs its forward, then its backward from its own y.
    /// Every activation's inputs stay at least 0.05 from 0, where the piecewise-linear ones (ReLU and its
    /// kin) have their kink, and within [-2, 2], where tanh's 1 - y^2 is not yet so small that y's
    /// rounding swamps it: so a new activation needs no input rule of its own here.
    /// </summary>
    private static ConformanceResult ActivationGradient(ComputeBackend backend, string name, Activation activation)
    {
        var random = SeededInputs.NewGenerator();
        var x = SeededInputs.AwayFromZero(random, ActivationCount, 0.05, 2);
        var g = SeededInputs.Uniform(random, ActivationCount, -1, 1);
        var wideG = Precision.Widen(g);

        using var scope = new BufferScope(backend);
        var y = scope.Allocate<float>(ActivationCount);
        var dX = scope.Allocate<float>(ActivationCount);
        backend.ActivationForward(activation, scope.Upload(x), y, ActivationCount);
        backend.ActivationBackward(activation, scope.Upload(g), y, dX, ActivationCount);

        var expected = FiniteDifferences.Gradient(Precision.Widen(x), point =>
        {
            var output = new double[ActivationCount];
            ReferenceMath.ActivationForward(activation, output, point, ActivationCount);
            return Dot(wideG, output);
        });
        var comparison = new Comparison();
        comparison.Close("dX", scope.Download(dX), expected, Tolerances.FiniteDifference(1));
        return comparison.Result(name);
    }

    /// <summary>
    /// L = the mean over rows of -sum_c target_c log softmax(logits)[c], the target smoothed by <paramref name="labelSmoothing"/>;
    /// the backend's dLogits must be dL/dlogits.
    /// </summary>
    private static ConformanceResult SoftmaxCrossEntropyGradient(ComputeBackend backend, string name, float labelSmoothing)
    {
        var random = SeededInputs.NewGenerator();
        var logits = SeededInputs.Uniform(random, LossRows * Classes, -3, 3);
        var labels = SeededInputs.Integers(random, LossRows, 0, Classes);

        using var scope = new BufferScope(backend);
        var dLogits = scope.Allocate<float>(LossRows * Classes);
        backend.SoftmaxCrossEntropy(scope.Upload(logits), scope.Upload(labels), dLogits, scope.Allocate<float>(2 * LossRows),
            scope.Allocate<float>(MetricSlot.Width), 0, LossRows, Classes, labelSmoothing);

        var expected = FiniteDifferences.Gradient(Precision.Widen(logits), point =>
        {
            var rowLoss = new double[LossRows];
            ReferenceMath.SoftmaxCrossEntropyForward(rowLoss, new double[LossRows], point, labels, LossRows, Classes, labelSmoothing);
            return rowLoss.Average();
        });
        var comparison = new Comparison();
        comparison.Close("dLogits", scope.Download(dLogits), expected, Tolerances.FiniteDifference(1.0 / LossRows));
        return comparison.Result(name);
    }

    /// <summary>L = the mean over rows of the binary loss; the backend's dLogits must be dL/dlogits.</summary>
    private static ConformanceResult BinaryLossGradient(ComputeBackend backend, string name, BinaryLoss loss)
    {
        var random = SeededInputs.NewGenerator();
        var logits = SeededInputs.Uniform(random, LossRows, -4, 4);
        var targets = SeededInputs.Integers(random, LossRows, 0, 2);

        using var scope = new BufferScope(backend);
        var dLogits = scope.Allocate<float>(LossRows);
        backend.BinaryLossForwardBackward(loss, scope.Upload(logits), scope.Upload(targets), dLogits,
            scope.Allocate<float>(2 * LossRows), scope.Allocate<float>(MetricSlot.Width), 0, LossRows);

        var expected = FiniteDifferences.Gradient(Precision.Widen(logits), point =>
        {
            var rowLoss = new double[LossRows];
            ReferenceMath.BinaryLossForward(loss, rowLoss, new double[LossRows], point, targets, LossRows);
            return rowLoss.Average();
        });
        var comparison = new Comparison();
        comparison.Close("dLogits", scope.Download(dLogits), expected, Tolerances.FiniteDifference(1.0 / LossRows));
        return comparison.Result(name);
    }

    /// <summary>
    /// L = sum(G .* y) with y the training forward, whose batch statistics depend on x: dX, dWeight and dBias from the
    /// backend's forward and backward must be L's derivatives, the statistics' included.
    /// </summary>
    private static ConformanceResult BatchNormGradient(ComputeBackend backend, string name, BatchNormShape shape)
    {
        var inputs = NormalizationCases.Inputs.For(shape);
        var outputs = NormalizationCases.TrainingOnBackend(backend, shape, inputs);
        var (dX, dWeight, dBias) = NormalizationCases.BackwardOnBackend(backend, shape, inputs, outputs.SaveMean, outputs.SaveInvStd);

        var (x, weight, bias, g) = (Precision.Widen(inputs.X), Precision.Widen(inputs.Weight), Precision.Widen(inputs.Bias),
            Precision.Widen(inputs.DY));
        double Loss(double[] input, double[] scale, double[] shift)
        {
            var (y, channels) = (new double[shape.Length], shape.Channels);
            ReferenceMath.BatchNormForwardTraining(y, new double[channels], new double[channels], new double[channels],
                new double[channels], input, scale, shift, shape, NormalizationCases.Momentum, NormalizationCases.Eps);
            return Dot(g, y);
        }
        var comparison = new Comparison();
        comparison.Close("dX", dX, FiniteDifferences.Gradient(x, point => Loss(point, weight, bias)), Tolerances.FiniteDifference(1));
        comparison.Close("dWeight", dWeight, FiniteDifferences.Gradient(weight, point => Loss(x, point, bias)),
            Tolerances.FiniteDifference(1));
        comparison.Close("dBias", dBias, FiniteDifferences.Gradient(bias, point => Loss(x, weight, point)),
            Tolerances.FiniteDifference(1));
        return comparison.Result(name);
    }

    private static double Dot(double[] left, double[] right)
    {
        var sum = 0.0;
        for (var i = 0; i < left.Length; i++)
        {
            sum += left[i] * right[i];
        }
        return sum;
    }
}
