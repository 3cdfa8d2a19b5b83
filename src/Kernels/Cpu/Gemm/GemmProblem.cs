namespace Descent.Kernels.Cpu.Gemm;

/// <summary>One GEMM call: op(A) is M x K (A stored K x M when transposed), op(B) is K x N (B stored N x K when transposed).</summary>
internal readonly unsafe struct GemmProblem(bool transposeA, bool transposeB, int m, int n, int k, float* a, float* b, GemmOutput output)
{
    public bool TransposeA { get; } = transposeA;

    public bool TransposeB { get; } = transposeB;

    public int M { get; } = m;

    public int N { get; } = n;

    public int K { get; } = k;

    public float* A { get; } = a;

    public float* B { get; } = b;

    public GemmOutput Output { get; } = output;
}
