using Descent.Kernels.Reference;

namespace Descent.Kernels.Conformance;

/// <summary>
/// The fused linear forward, y = f(x W^T + bias), against the reference composition (GEMM NT, bias
/// add, activation), with every activation and none: on the odd shape, on the lesson's first layer
/// for one image, and on a batch large enough that a multithreaded, K-blocked backend splits it.
/// y starts as NaN: the op overwrites it.
/// </summary>
internal static class LinearCases
{
    private static readonly (int Rows, int Inputs, int Outputs)[] Shapes = [(37, 53, 29), (1, 784, 30), (130, 300, 70)];

    public static IEnumerable<ConformanceCase> Create()
    {
        foreach (var (rows, inputs, outputs) in Shapes)
        {
            foreach (var activation in Enum.GetValues<Activation>().Select(value => (Activation?)value).Prepend(null))
            {
                var label = (activation is { } f ? CliNames.Of(f) : "none");
                var name = $"linear forward {rows}x{inputs}x{outputs} {label}";
                yield return new(name, nameof(ComputeBackend.LinearForward), backend =>
                {
                    var comparison = new Comparison();
                    comparison.Close("y", OnBackend(backend, rows, inputs, outputs, activation),
                        Expected(rows, inputs, outputs, activation), Tolerances.Sum(inputs + 1, 1));
                    return comparison.Result(name);
                });
            }
        }
    }

    /// <summary>x (B, in), W (out, in) and bias (out), all in [-1, 1].</summary>
    public static (float[] X, float[] Weight, float[] Bias) Inputs(int rows, int inputs, int outputs)
    {
        var random = SeededInputs.NewGenerator();
        return (SeededInputs.Uniform(random, rows * inputs, -1, 1), SeededInputs.Uniform(random, outputs * inputs, -1, 1),
            SeededInputs.Uniform(random, outputs, -1, 1));
    }

    /// <summary>Runs the fused op on the backend and returns y.</summary>
    public static float[] OnBackend(ComputeBackend backend, int rows, int inputs, int outputs, Activation? activation)
    {
        var (x, weight, bias) = Inputs(rows, inputs, outputs);
        using var scope = new BufferScope(backend);
        var y = scope.Upload(SeededInputs.Repeat(float.NaN, rows * outputs));
        backend.LinearForward(scope.Upload(x), scope.Upload(weight), scope.Upload(bias), y, rows, inputs, outputs, activation);
        return scope.Download(y);
    }

    private static double[] Expected(int rows, int inputs, int outputs, Activation? activation)
    {
        var (x, weight, bias) = Inputs(rows, inputs, outputs);
        var y = new double[rows * outputs];
        ReferenceMath.Gemm(y, Precision.Widen(x), Precision.Widen(weight), rows, outputs, inputs, transposeA: false, transposeB: true, 1, 0);
        ReferenceMath.BiasAdd(y, Precision.Widen(bias), rows, outputs);
        if (activation is { } f)
        {
            ReferenceMath.ActivationForward(f, y, y, y.Length);
        }
        return y;
    }
}
