namespace Descent.Kernels.Cpu.Gemm;

/// <summary>
/// Where a GEMM's result goes and what happens to it on the way: C (M x N, row-major) =
/// f(alpha * op(A) op(B) + beta * C + bias), with the bias broadcast over rows and f an optional
/// activation. A plain GEMM has no bias and no activation; the fused linear forward has both.
/// </summary>
internal readonly unsafe struct GemmOutput(float* c, float alpha, float beta, float* bias, Activation? activation)
{
    public float* C { get; } = c;

    public float Alpha { get; } = alpha;

    /// <summary>0 overwrites C: its old contents, even NaN, are never read.</summary>
    public float Beta { get; } = beta;

    /// <summary>N floats added to every row, or null.</summary>
    public float* Bias { get; } = bias;

    public Activation? Activation { get; } = activation;
}
