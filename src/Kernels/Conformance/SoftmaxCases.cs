using Descent.Kernels.Reference;

namespace Descent.Kernels.Conformance;

/// <summary>Softmax forward and backward against the reference: ten classes, a single element, and a wide odd row.</summary>
internal static class SoftmaxCases
{
    private static readonly (int Rows, int Cols)[] Shapes = [(37, 10), (1, 1), (5, 53)];

    public static IEnumerable<ConformanceCase> Create()
    {
        foreach (var (rows, cols) in Shapes)
        {
            var forwardName = $"softmax forward {rows}x{cols}";
            yield return new(forwardName, nameof(ComputeBackend.SoftmaxForward), backend => Forward(backend, forwardName, rows, cols));
            var backwardName = $"softmax backward {rows}x{cols}";
            yield return new(backwardName, nameof(ComputeBackend.SoftmaxBackward), backend => Backward(backend, backwardName, rows, cols));
        }
    }

    /// <summary>Runs softmax on the backend and compares it with the reference: shared with the +-1000 numerics case.</summary>
    public static void CheckForward(ComputeBackend backend, Comparison comparison, float[] x, int rows, int cols)
    {
        using var scope = new BufferScope(backend);
        var yBuffer = scope.Allocate<float>(rows * cols);
        backend.SoftmaxForward(scope.Upload(x), yBuffer, rows, cols);

        var expected = new double[rows * cols];
        ReferenceMath.SoftmaxForward(expected, Precision.Widen(x), rows, cols);
        comparison.Close("y", scope.Download(yBuffer), expected, Tolerances.Elementwise);
    }

    private static ConformanceResult Forward(ComputeBackend backend, string name, int rows, int cols)
    {
        var x = SeededInputs.Uniform(SeededInputs.NewGenerator(), rows * cols, -5, 5);
        var comparison = new Comparison();
        CheckForward(backend, comparison, x, rows, cols);
        return comparison.Result(name);
    }

    /// <summary>y is a reference softmax rounded to float, as a backend's forward would have stored it.</summary>
    private static ConformanceResult Backward(ComputeBackend backend, string name, int rows, int cols)
    {
        var random = SeededInputs.NewGenerator();
        var wideY = new double[rows * cols];
        ReferenceMath.SoftmaxForward(wideY, Precision.Widen(SeededInputs.Uniform(random, rows * cols, -5, 5)), rows, cols);
        var y = Precision.Narrow(wideY);
        var dY = SeededInputs.Uniform(random, rows * cols, -1, 1);

        using var scope = new BufferScope(backend);
        var dXBuffer = scope.Allocate<float>(rows * cols);
        backend.SoftmaxBackward(scope.Upload(dY), scope.Upload(y), dXBuffer, rows, cols);

        var expected = new double[rows * cols];
        ReferenceMath.SoftmaxBackward(expected, Precision.Widen(dY), Precision.Widen(y), rows, cols);
        var comparison = new Comparison();
        comparison.Close("dX", scope.Download(dXBuffer), expected, Tolerances.Elementwise);
        return comparison.Result(name);
    }
}
