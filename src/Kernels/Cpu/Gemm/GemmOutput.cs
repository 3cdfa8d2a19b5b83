namespace Descent.Kernels.Cpu.Gemm;

/// <summary>
/// Where a GEMM's result goes and what happens to it on the way: C (M x N, row-major) =
/// f(alpha * op(A) op(B) + beta * C + bias + rowBias), with the bias broadcast over rows, the row bias
/// over columns, and f an optional activation. A plain GEMM has no bias and no activation; the fused
/// linear forward has a bias (one per output feature, a column of C); the fused convolution a row bias
/// (one per output channel, a row of C).
/// </summary>
internal readonly unsafe struct GemmOutput(float* c, float alpha, float beta, float* bias, Activation? activation, float* rowBias = null)
{
    public float* C { get; } = c;

    public float Alpha { get; } = alpha;

    /// <summary>0 overwrites C: its old contents, even NaN, are never read.</summary>
    public float Beta { get; } = beta;

    /// <summary>N floats added to every row, or null.</summary>
    public float* Bias { get; } = bias;

    public Activation? Activation { get; } = activation;

    /// <summary>M floats, one added to every element of its row, or null.</summary>
    public float* RowBias { get; } = rowBias;

    /// <summary>C = op(A) op(B) exactly: alpha 1, beta 0, no bias, no activation.</summary>
    public bool OverwritesWithProduct => Alpha == 1f && Beta == 0f && Bias == null && RowBias == null && Activation is null;
}
