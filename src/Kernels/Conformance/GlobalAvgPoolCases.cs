using Descent.Kernels.Reference;

namespace Descent.Kernels.Conformance;

/// <summary>
/// Global average pooling against the reference, forward and backward: planes of one value, odd planes
/// (5x7), a ResNet's last feature maps (64 channels of 8x8 and 7x7) on a batch large enough for a backend
/// to split it, and a plane longer than a vector's multiple (28x28). Outputs start as NaN: every op
/// overwrites them. Then a finite-difference check of the backward, and the same inputs twice, bit for bit.
/// </summary>
internal static class GlobalAvgPoolCases
{
    /// <summary>(N, C, H, W) of each case.</summary>
    public static readonly (int Batch, int Channels, int Height, int Width)[] Shapes =
    [
        (2, 3, 1, 1),
        (2, 3, 5, 7),
        (1, 3, 28, 28),
        (32, 64, 8, 8),
        (4, 64, 7, 7),
    ];

    public static IEnumerable<ConformanceCase> Create()
    {
        foreach (var shape in Shapes)
        {
            var label = Label(shape);
            var (planes, planeLength) = (shape.Batch * shape.Channels, shape.Height * shape.Width);
            var forwardName = $"global avg pool forward {label}";
            yield return new(forwardName, nameof(ComputeBackend.GlobalAvgPool2dForward),
                backend => Forward(backend, forwardName, planes, planeLength));
            var backwardName = $"global avg pool backward {label}";
            yield return new(backwardName, nameof(ComputeBackend.GlobalAvgPool2dBackward),
                backend => Backward(backend, backwardName, planes, planeLength));
        }
        yield return new("grad global avg pool 2x3x5x7", nameof(ComputeBackend.GlobalAvgPool2dBackward),
            backend => Gradient(backend, "grad global avg pool 2x3x5x7", 2 * 3, 5 * 7));
        yield return new("determinism global avg pool", nameof(ComputeBackend.GlobalAvgPool2dForward), Determinism);
    }

    /// <summary>"2x3x5x7": input N x C x H x W.</summary>
    public static string Label((int Batch, int Channels, int Height, int Width) shape) =>
        $"{shape.Batch}x{shape.Channels}x{shape.Height}x{shape.Width}";

    /// <summary>x (planes x planeLength) and dY (planes), in [-1, 1].</summary>
    private static (float[] X, float[] DY) Inputs(int planes, int planeLength)
    {
        var random = SeededInputs.NewGenerator();
        return (SeededInputs.Uniform(random, planes * planeLength, -1, 1), SeededInputs.Uniform(random, planes, -1, 1));
    }

    private static float[] ForwardOnBackend(ComputeBackend backend, int planes, int planeLength)
    {
        var (x, _) = Inputs(planes, planeLength);
        using var scope = new BufferScope(backend);
        var y = scope.Upload(SeededInputs.Repeat(float.NaN, planes));
        backend.GlobalAvgPool2dForward(scope.Upload(x), y, planes, planeLength);
        return scope.Download(y);
    }

    private static float[] BackwardOnBackend(ComputeBackend backend, int planes, int planeLength)
    {
        var (_, dY) = Inputs(planes, planeLength);
        using var scope = new BufferScope(backend);
        var dX = scope.Upload(SeededInputs.Repeat(float.NaN, planes * planeLength));
        backend.GlobalAvgPool2dBackward(scope.Upload(dY), dX, planes, planeLength);
        return scope.Download(dX);
    }

    /// <summary>Each mean sums planeLength values of at most 1.</summary>
    private static ConformanceResult Forward(ComputeBackend backend, string name, int planes, int planeLength)
    {
        var (x, _) = Inputs(planes, planeLength);
        var expected = new double[planes];
        ReferenceMath.GlobalAvgPool2dForward(expected, Precision.Widen(x), planes, planeLength);
        var comparison = new Comparison();
        comparison.Close("y", ForwardOnBackend(backend, planes, planeLength), expected, Tolerances.Sum(planeLength, 1));
        return comparison.Result(name);
    }

    private static ConformanceResult Backward(ComputeBackend backend, string name, int planes, int planeLength)
    {
        var (_, dY) = Inputs(planes, planeLength);
        var expected = new double[planes * planeLength];
        ReferenceMath.GlobalAvgPool2dBackward(expected, Precision.Widen(dY), planes, planeLength);
        var comparison = new Comparison();
        comparison.Close("dX", BackwardOnBackend(backend, planes, planeLength), expected, Tolerances.Elementwise);
        return comparison.Result(name);
    }

    /// <summary>L = sum(G .* pool(x)): the backend's backward from G against central differences of the reference forward.</summary>
    private static ConformanceResult Gradient(ComputeBackend backend, string name, int planes, int planeLength)
    {
        var (x, g) = Inputs(planes, planeLength);
        using var scope = new BufferScope(backend);
        var dX = scope.Allocate<float>(planes * planeLength);
        backend.GlobalAvgPool2dBackward(scope.Upload(g), dX, planes, planeLength);
        var wideG = Precision.Widen(g);
        var expected = FiniteDifferences.Gradient(Precision.Widen(x), point =>
        {
            var output = new double[planes];
            ReferenceMath.GlobalAvgPool2dForward(output, point, planes, planeLength);
            var loss = 0.0;
            for (var i = 0; i < planes; i++)
            {
                loss += wideG[i] * output[i];
            }
            return loss;
        });
        var comparison = new Comparison();
        comparison.Close("dX", scope.Download(dX), expected, Tolerances.FiniteDifference(1));
        return comparison.Result(name);
    }

    /// <summary>The split shape's forward and backward twice: they must match bit for bit.</summary>
    private static ConformanceResult Determinism(ComputeBackend backend)
    {
        const string name = "determinism global avg pool";
        var (batch, channels, height, width) = Shapes[3];
        var (planes, planeLength) = (batch * channels, height * width);
        var comparison = new Comparison();
        comparison.Exact("y", ForwardOnBackend(backend, planes, planeLength), ForwardOnBackend(backend, planes, planeLength));
        comparison.Exact("dX", BackwardOnBackend(backend, planes, planeLength), BackwardOnBackend(backend, planes, planeLength));
        return comparison.Result(name);
    }
}
