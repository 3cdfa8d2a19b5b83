using Descent.Kernels.Reference;

namespace Descent.Kernels.Conformance;

/// <summary>
/// Bias add and bias backward, and each activation forward, backward and in place, against the
/// reference, on sizes that no vector width or work-group size divides.
/// </summary>
internal static class ElementwiseCases
{
    private static readonly (int Rows, int Cols)[] BiasShapes = [(37, 53), (1, 1)];

    private static readonly int[] ActivationSizes = [1, 37 * 53];

    public static IEnumerable<ConformanceCase> Create()
    {
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
