using Descent.Kernels.Reference;

namespace Descent.Kernels.Conformance;

/// <summary>
/// Max-pooling against the reference: windows that tile (kernel = stride), overlap (kernel &gt; stride)
/// and skip (kernel &lt; stride), inputs not square, and the CNN's own pooling. The forward's maximum and
/// argmax are exact; inputs of only three values put ties in most windows, which go to the first in
/// row-major order, and NaNs win their window. The backward routes each gradient to its argmax and
/// sums where windows overlap. Outputs start as NaN (argmax as -1): every op overwrites them.
/// </summary>
internal static class PoolingCases
{
    public static readonly Pool2dShape[] Shapes =
    [
        new(Batch: 2, Channels: 3, Height: 6, Width: 8, Kernel: 2, Stride: 2),
        new(Batch: 2, Channels: 2, Height: 7, Width: 9, Kernel: 3, Stride: 2),
        new(Batch: 1, Channels: 4, Height: 5, Width: 6, Kernel: 3, Stride: 1),
        new(Batch: 3, Channels: 2, Height: 8, Width: 7, Kernel: 2, Stride: 3),
        // Windows that tile rows of 21 (a backend may take two vectors of eight and one moved back over them), and windows that
        // leave a last row and column out.
        new(Batch: 1, Channels: 2, Height: 4, Width: 42, Kernel: 2, Stride: 2),
        new(Batch: 2, Channels: 2, Height: 5, Width: 9, Kernel: 2, Stride: 2),
        Large,
    ];

    /// <summary>The CNN's pooling, on a batch of 2: big enough for a backend to split it.</summary>
    public static Pool2dShape Large => new(Batch: 2, Channels: 64, Height: 24, Width: 24, Kernel: 2, Stride: 2);

    private enum Values
    {
        Distinct,
        Ties,
        NaNs,
    }

    public static IEnumerable<ConformanceCase> Create()
    {
        foreach (var shape in Shapes)
        {
            var label = Label(shape);
            foreach (var values in Enum.GetValues<Values>())
            {
                var name = $"maxpool forward {label} {values.ToString().ToLowerInvariant()}";
                yield return new(name, nameof(ComputeBackend.MaxPool2dForward), backend => Forward(backend, name, shape, values));
            }
            var backwardName = $"maxpool backward {label}";
            yield return new(backwardName, nameof(ComputeBackend.MaxPool2dBackward), backend => Backward(backend, backwardName, shape));
        }
    }

    /// <summary>"2x3x6x8 k2 s2": input N x C x H x W, window, stride.</summary>
    public static string Label(Pool2dShape shape) =>
        $"{shape.Batch}x{shape.Channels}x{shape.Height}x{shape.Width} k{shape.Kernel} s{shape.Stride}";

    /// <summary>x in [-1, 1], or drawn from {-1, 0, 1} for ties, or with about one NaN in eight; and dY in [-1, 1].</summary>
    private static (float[] X, float[] DY) Inputs(Pool2dShape shape, Values values)
    {
        var random = SeededInputs.NewGenerator();
        var count = (int)shape.InputLength;
        var x = values == Values.Ties
            ? Array.ConvertAll(SeededInputs.Integers(random, count, -1, 2), value => (float)value)
            : SeededInputs.Uniform(random, count, -1, 1);
        if (values == Values.NaNs)
        {
            foreach (var index in SeededInputs.Integers(random, count / 8, 0, count))
            {
                x[index] = float.NaN;
            }
        }
        return (x, SeededInputs.Uniform(random, (int)shape.OutputLength, -1, 1));
    }

    public static (float[] Y, int[] Argmax) ForwardOnBackend(ComputeBackend backend, Pool2dShape shape, float[] x)
    {
        using var scope = new BufferScope(backend);
        var y = scope.Upload(SeededInputs.Repeat(float.NaN, (int)shape.OutputLength));
        var argmax = scope.Upload(Enumerable.Repeat(-1, (int)shape.OutputLength).ToArray());
        backend.MaxPool2dForward(scope.Upload(x), y, argmax, shape);
        return (scope.Download(y), scope.Download(argmax));
    }

    /// <summary>The reference argmax of distinct x, then dX from it on the backend.</summary>
    public static float[] BackwardOnBackend(ComputeBackend backend, Pool2dShape shape)
    {
        var (_, argmax, dY) = BackwardInputs(shape);
        using var scope = new BufferScope(backend);
        var dX = scope.Upload(SeededInputs.Repeat(float.NaN, (int)shape.InputLength));
        backend.MaxPool2dBackward(scope.Upload(dY), scope.Upload(argmax), dX, shape);
        return scope.Download(dX);
    }

    private static ConformanceResult Forward(ComputeBackend backend, string name, Pool2dShape shape, Values values)
    {
        var (x, _) = Inputs(shape, values);
        var (y, argmax) = ForwardOnBackend(backend, shape, x);
        var expectedY = new double[shape.OutputLength];
        var expectedArgmax = new int[shape.OutputLength];
        ReferenceMath.MaxPool2dForward(expectedY, expectedArgmax, Precision.Widen(x), shape);
        var comparison = new Comparison();
        // Close, exactly: a NaN in the reference must be a NaN, of any payload.
        comparison.Close("y", y, expectedY, Tolerance.Exact);
        comparison.Exact("argmax", argmax, expectedArgmax);
        return comparison.Result(name);
    }

    private static (double[] X, int[] Argmax, float[] DY) BackwardInputs(Pool2dShape shape)
    {
        var (x, dY) = Inputs(shape, Values.Distinct);
        var wideX = Precision.Widen(x);
        var argmax = new int[shape.OutputLength];
        ReferenceMath.MaxPool2dForward(new double[shape.OutputLength], argmax, wideX, shape);
        return (wideX, argmax, dY);
    }

    private static ConformanceResult Backward(ComputeBackend backend, string name, Pool2dShape shape)
    {
        var (_, argmax, dY) = BackwardInputs(shape);
        var expected = new double[shape.InputLength];
        ReferenceMath.MaxPool2dBackward(expected, Precision.Widen(dY), argmax, shape);
        // An input is the argmax of at most ceil(kernel / stride)^2 windows.
        var overlap = (shape.Kernel + shape.Stride - 1) / shape.Stride;
        var comparison = new Comparison();
        comparison.Close("dX", BackwardOnBackend(backend, shape), expected, Tolerances.Sum(overlap * overlap, 1));
        return comparison.Result(name);
    }
}
