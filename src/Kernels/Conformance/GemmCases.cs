using System.Globalization;
using Descent.Kernels.Reference;

namespace Descent.Kernels.Conformance;

/// <summary>
/// GEMM against the reference: every transpose combination, with and without alpha and beta, for
/// each algorithm the backend has (<see cref="ComputeBackend.GemmAlgorithms"/>, compared one by one), on an odd shape that no tile divides, the smallest shape, and the shape of the
/// lesson's first layer (one image of 784 pixels into 30 units); and, for the kernel a backend picks
/// itself, a shape large enough that a multithreaded, K-blocked kernel splits it every way.
/// </summary>
internal static class GemmCases
{
    private static readonly (int M, int K, int N)[] Shapes = [(37, 53, 29), (1, 1, 1), (1, 784, 30)];

    private static readonly (bool A, bool B)[] Transposes = [(false, false), (false, true), (true, false), (true, true)];

    private static readonly (float Alpha, float Beta)[] Scalings = [(1f, 0f), (0.7f, 0.3f)];

    private static readonly (int M, int K, int N)[] AutoShapes = [(37, 53, 29), (130, 300, 70)];

    public static IEnumerable<ConformanceCase> Create()
    {
        foreach (var (m, k, n) in Shapes)
        {
            foreach (var (transposeA, transposeB) in Transposes)
            {
                foreach (var (alpha, beta) in Scalings)
                {
                    var spec = new GemmSpec(GemmAlgorithm.Naive, transposeA, transposeB, m, k, n, alpha, beta);
                    yield return EveryAlgorithm($"gemm {spec.Shape} a{Format(alpha)} b{Format(beta)}", spec, nanInC: false);
                }
            }
        }
        foreach (var (transposeA, transposeB) in Transposes)
        {
            var spec = new GemmSpec(GemmAlgorithm.Naive, transposeA, transposeB, 37, 53, 29, 1f, 0f);
            yield return EveryAlgorithm($"gemm {spec.Shape} b0 C=NaN", spec, nanInC: true);
        }
        // Auto is what the engine asks for: whichever kernel the backend picks must conform too.
        foreach (var (m, k, n) in AutoShapes)
        {
            foreach (var (transposeA, transposeB) in Transposes)
            {
                var spec = new GemmSpec(GemmAlgorithm.Auto, transposeA, transposeB, m, k, n, 0.7f, 0.3f);
                yield return Case($"gemm {spec} a0.7 b0.3", spec, nanInC: false);
            }
        }
    }

    /// <summary>Inputs in [-1, 1], the range <see cref="Tolerances.Gemm"/> assumes; C pre-filled so beta has something to scale.</summary>
    public static (float[] A, float[] B, float[] C) Inputs(GemmSpec spec, bool nanInC)
    {
        var random = SeededInputs.NewGenerator();
        var a = SeededInputs.Uniform(random, spec.M * spec.K, -1, 1);
        var b = SeededInputs.Uniform(random, spec.K * spec.N, -1, 1);
        var c = nanInC ? SeededInputs.Repeat(float.NaN, spec.M * spec.N) : SeededInputs.Uniform(random, spec.M * spec.N, -1, 1);
        return (a, b, c);
    }

    /// <summary>Runs one GEMM on the backend and returns the C it produced.</summary>
    public static float[] OnBackend(ComputeBackend backend, GemmSpec spec, float[] a, float[] b, float[] c)
    {
        using var scope = new BufferScope(backend);
        var cBuffer = scope.Upload(c);
        backend.Gemm(spec.TransposeA, spec.TransposeB, spec.M, spec.N, spec.K, spec.Alpha, scope.Upload(a), scope.Upload(b),
            spec.Beta, cBuffer, spec.Algorithm);
        return scope.Download(cBuffer);
    }

    private static ConformanceCase Case(string name, GemmSpec spec, bool nanInC) =>
        new(name, nameof(ComputeBackend.Gemm), backend =>
        {
            var comparison = new Comparison();
            Compare(comparison, "C", backend, spec, nanInC);
            return comparison.Result(name);
        });

    /// <summary>One case that runs the problem through each GEMM the backend has and names the output by algorithm.</summary>
    private static ConformanceCase EveryAlgorithm(string name, GemmSpec spec, bool nanInC) =>
        new(name, nameof(ComputeBackend.Gemm), backend =>
        {
            var comparison = new Comparison();
            foreach (var algorithm in backend.GemmAlgorithms)
            {
                Compare(comparison, $"C {AlgorithmName(algorithm)}", backend, spec with { Algorithm = algorithm }, nanInC);
            }
            return comparison.Result(name);
        });

    private static void Compare(Comparison comparison, string output, ComputeBackend backend, GemmSpec spec, bool nanInC)
    {
        var (a, b, c) = Inputs(spec, nanInC);
        var got = OnBackend(backend, spec, a, b, c);
        var expected = Precision.Widen(c);
        ReferenceMath.Gemm(expected, Precision.Widen(a), Precision.Widen(b), spec.M, spec.N, spec.K,
            spec.TransposeA, spec.TransposeB, spec.Alpha, spec.Beta);
        comparison.Close(output, got, expected, Tolerances.Gemm(spec.K));
    }

    /// <summary>The algorithm in kebab case, as reports print it: SharedMemoryTiles is "shared-memory-tiles".</summary>
    public static string AlgorithmName(GemmAlgorithm algorithm) => CliNames.Of(algorithm);

    private static string Format(float value) => value.ToString(CultureInfo.InvariantCulture);
}

/// <summary>One GEMM call: C (M x N) = alpha op(A) (M x K) op(B) (K x N) + beta C.</summary>
internal readonly record struct GemmSpec(GemmAlgorithm Algorithm, bool TransposeA, bool TransposeB, int M, int K, int N,
    float Alpha, float Beta)
{
    /// <summary>"NT 37x53x29": N or T for A then B, and M x K x N.</summary>
    public string Shape => $"{(TransposeA ? 'T' : 'N')}{(TransposeB ? 'T' : 'N')} {M}x{K}x{N}";

    /// <summary>"auto NT 37x53x29": the algorithm, then the shape.</summary>
    public override string ToString() => $"{GemmCases.AlgorithmName(Algorithm)} {Shape}";
}
