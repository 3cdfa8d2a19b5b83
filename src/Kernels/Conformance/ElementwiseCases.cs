using Descent.Kernels.Reference;

namespace Descent.Kernels.Conformance;

/// <summary>
/// Element-wise add (into a separate buffer, over either input, over both, and between views), bias add
/// and bias backward, and each activation forward, backward and in place, against the reference, on sizes
/// that no vector width or work-group size divides.
/// </summary>
internal static class ElementwiseCases
{
    private static readonly (int Rows, int Cols)[] BiasShapes = [(37, 53), (1, 1)];

    private static readonly int[] ActivationSizes = [1, 37 * 53];

    private static readonly int[] AddSizes = [1, 7, 37 * 53];

    private const float ViewGuard = -7.25f;

    /// <summary>Which buffer an add writes: a new one, or one of its inputs.</summary>
    private enum AddTarget
    {
        Separate,
        OverA,
        OverB,
        OverBoth,
    }

    public static IEnumerable<ConformanceCase> Create()
    {
        foreach (var count in AddSizes)
        {
            foreach (var target in Enum.GetValues<AddTarget>())
            {
                var addName = $"add {AddLabel(target)} {count}";
                yield return new(addName, nameof(ComputeBackend.Add), backend => Add(backend, addName, count, target));
            }
        }
        yield return new("add views of one buffer", nameof(ComputeBackend.Add), AddViews);
        foreach (var (rows, cols) in BiasShapes)
        {
            var addName = $"bias add {rows}x{cols}";
            yield return new(addName, nameof(ComputeBackend.BiasAdd), backend => BiasAdd(backend, addName, rows, cols));
            foreach (var beta in new[] { 0f, 1f })
            {
                var backwardName = FormattableString.Invariant($"bias backward {rows}x{cols} b{beta}");
                yield return new(backwardName, nameof(ComputeBackend.BiasBackward),
                    backend => BiasBackward(backend, backwardName, rows, cols, beta));
            }
        }
        foreach (var activation in Enum.GetValues<Activation>())
        {
            var label = CliNames.Of(activation);
            foreach (var count in ActivationSizes)
            {
                var forwardName = $"{label} forward {count}";
                yield return new(forwardName, nameof(ComputeBackend.ActivationForward),
                    backend => ActivationForward(backend, forwardName, activation, count));
                var backwardName = $"{label} backward {count}";
                yield return new(backwardName, nameof(ComputeBackend.ActivationBackward),
                    backend => ActivationBackward(backend, backwardName, activation, count));
            }
            var inPlaceName = $"{label} in place {37 * 53}";
            yield return new(inPlaceName, nameof(ComputeBackend.ActivationForward),
                backend => ActivationInPlace(backend, inPlaceName, activation, 37 * 53));
        }
    }

    private static string AddLabel(AddTarget target) => target switch
    {
        AddTarget.Separate => "into y",
        AddTarget.OverA => "over a",
        AddTarget.OverB => "over b",
        _ => "over a and b",
    };

    /// <summary>y = a + b with y a buffer of its own, or a, or b, or a and b one buffer (y = 2a).</summary>
    private static ConformanceResult Add(ComputeBackend backend, string name, int count, AddTarget target)
    {
        var random = SeededInputs.NewGenerator();
        var a = SeededInputs.Uniform(random, count, -1, 1);
        var b = target == AddTarget.OverBoth ? a : SeededInputs.Uniform(random, count, -1, 1);

        using var scope = new BufferScope(backend);
        var aBuffer = scope.Upload(a);
        var bBuffer = target == AddTarget.OverBoth ? aBuffer : scope.Upload(b);
        var yBuffer = target switch
        {
            AddTarget.Separate => scope.Allocate<float>(count),
            AddTarget.OverB => bBuffer,
            _ => aBuffer,
        };
        backend.Add(aBuffer, bBuffer, yBuffer, count);

        var expected = new double[count];
        ReferenceMath.Add(expected, Precision.Widen(a), Precision.Widen(b), count);
        var comparison = new Comparison();
        comparison.Close("y", scope.Download(yBuffer), expected, Tolerances.Elementwise);
        if (target == AddTarget.Separate)
        {
            comparison.Exact("a, read only", scope.Download(aBuffer), a);
            comparison.Exact("b, read only", scope.Download(bBuffer), b);
        }
        return comparison.Result(name);
    }

    /// <summary>
    /// Three views of one guarded buffer, at aligned offsets, with odd lengths: y = a + b into the third,
    /// then a += b in place through the views. Only the views' elements may change.
    /// </summary>
    private static ConformanceResult AddViews(ComputeBackend backend)
    {
        const string name = "add views of one buffer";
        const int count = 37;
        var alignment = backend.ViewAlignment;
        var stride = (count + alignment - 1) / alignment * alignment + alignment;
        var random = SeededInputs.NewGenerator();
        var a = SeededInputs.Uniform(random, count, -1, 1);
        var b = SeededInputs.Uniform(random, count, -1, 1);

        using var scope = new BufferScope(backend);
        var whole = scope.Upload(SeededInputs.Repeat(ViewGuard, 3 * stride + alignment));
        var aView = backend.Slice(whole, alignment, count);
        var bView = backend.Slice(whole, alignment + stride, count);
        var yView = backend.Slice(whole, alignment + 2 * stride, count);
        backend.Upload<float>(aView, a);
        backend.Upload<float>(bView, b);
        backend.Add(aView, bView, yView, count);
        backend.Add(aView, bView, aView, count);

        var expected = new double[count];
        ReferenceMath.Add(expected, Precision.Widen(a), Precision.Widen(b), count);
        var all = scope.Download(whole);
        var comparison = new Comparison();
        comparison.Close("y", all.AsSpan(alignment + 2 * stride, count), expected, Tolerances.Elementwise);
        comparison.Close("a after a += b", all.AsSpan(alignment, count), expected, Tolerances.Elementwise);
        comparison.Exact("b, read only", all.AsSpan(alignment + stride, count), b);
        var viewStarts = new[] { alignment, alignment + stride, alignment + 2 * stride };
        var around = all.Where((_, i) => !viewStarts.Any(start => i >= start && i < start + count)).ToArray();
        comparison.Exact("around the views", around, SeededInputs.Repeat(ViewGuard, around.Length));
        return comparison.Result(name);
    }

    private static ConformanceResult BiasAdd(ComputeBackend backend, string name, int rows, int cols)
    {
        var random = SeededInputs.NewGenerator();
        var y = SeededInputs.Uniform(random, rows * cols, -1, 1);
        var bias = SeededInputs.Uniform(random, cols, -1, 1);

        using var scope = new BufferScope(backend);
        var yBuffer = scope.Upload(y);
        backend.BiasAdd(yBuffer, scope.Upload(bias), rows, cols);

        var expected = Precision.Widen(y);
        ReferenceMath.BiasAdd(expected, Precision.Widen(bias), rows, cols);
        var comparison = new Comparison();
        comparison.Close("y", scope.Download(yBuffer), expected, Tolerances.Elementwise);
        return comparison.Result(name);
    }

    private static ConformanceResult BiasBackward(ComputeBackend backend, string name, int rows, int cols, float beta)
    {
        var random = SeededInputs.NewGenerator();
        var dY = SeededInputs.Uniform(random, rows * cols, -1, 1);
        var dBias = SeededInputs.Uniform(random, cols, -1, 1);

        using var scope = new BufferScope(backend);
        var dBiasBuffer = scope.Upload(dBias);
        backend.BiasBackward(scope.Upload(dY), dBiasBuffer, rows, cols, beta);

        var expected = Precision.Widen(dBias);
        ReferenceMath.BiasBackward(expected, Precision.Widen(dY), rows, cols, beta);
        var comparison = new Comparison();
        // rows terms of dY in [-1, 1], plus the old dBias when beta is 1.
        comparison.Close("dBias", scope.Download(dBiasBuffer), expected, Tolerances.Sum(rows + 1, 1));
        return comparison.Result(name);
    }

    /// <summary>x in [-4, 4]: sigmoid and tanh run from near saturation to their steep middle.</summary>
    private static float[] ActivationInputs(Random random, int count) => SeededInputs.Uniform(random, count, -4, 4);

    private static ConformanceResult ActivationForward(ComputeBackend backend, string name, Activation activation, int count)
    {
        var x = ActivationInputs(SeededInputs.NewGenerator(), count);

        using var scope = new BufferScope(backend);
        var yBuffer = scope.Allocate<float>(count);
        backend.ActivationForward(activation, scope.Upload(x), yBuffer, count);

        var expected = new double[count];
        ReferenceMath.ActivationForward(activation, expected, Precision.Widen(x), count);
        var comparison = new Comparison();
        comparison.Close("y", scope.Download(yBuffer), expected, Tolerances.Elementwise);
        return comparison.Result(name);
    }

    /// <summary>The backward reads a forward output, so y is the reference forward rounded to float, as a backend would store it.</summary>
    private static ConformanceResult ActivationBackward(ComputeBackend backend, string name, Activation activation, int count)
    {
        var random = SeededInputs.NewGenerator();
        var y = ForwardOutput(activation, ActivationInputs(random, count));
        var dY = SeededInputs.Uniform(random, count, -1, 1);

        using var scope = new BufferScope(backend);
        var dXBuffer = scope.Allocate<float>(count);
        backend.ActivationBackward(activation, scope.Upload(dY), scope.Upload(y), dXBuffer, count);

        var expected = new double[count];
        ReferenceMath.ActivationBackward(activation, expected, Precision.Widen(dY), Precision.Widen(y), count);
        var comparison = new Comparison();
        comparison.Close("dX", scope.Download(dXBuffer), expected, Tolerances.Elementwise);
        return comparison.Result(name);
    }

    /// <summary>The contract lets x and y, and dY and dX, be the same buffer: forward then backward, each in place.</summary>
    private static ConformanceResult ActivationInPlace(ComputeBackend backend, string name, Activation activation, int count)
    {
        var random = SeededInputs.NewGenerator();
        var x = ActivationInputs(random, count);
        var dY = SeededInputs.Uniform(random, count, -1, 1);

        using var scope = new BufferScope(backend);
        var values = scope.Upload(x);
        var gradients = scope.Upload(dY);
        backend.ActivationForward(activation, values, values, count);
        var gotY = scope.Download(values);
        backend.ActivationBackward(activation, gradients, values, gradients, count);
        var gotDX = scope.Download(gradients);

        var expectedY = new double[count];
        ReferenceMath.ActivationForward(activation, expectedY, Precision.Widen(x), count);
        var expectedDX = new double[count];
        ReferenceMath.ActivationBackward(activation, expectedDX, Precision.Widen(dY), Precision.Widen(gotY), count);
        var comparison = new Comparison();
        comparison.Close("y", gotY, expectedY, Tolerances.Elementwise);
        comparison.Close("dX", gotDX, expectedDX, Tolerances.Elementwise);
        return comparison.Result(name);
    }

    private static float[] ForwardOutput(Activation activation, float[] x)
    {
        var y = new double[x.Length];
        ReferenceMath.ActivationForward(activation, y, Precision.Widen(x), x.Length);
        return Precision.Narrow(y);
    }
}
