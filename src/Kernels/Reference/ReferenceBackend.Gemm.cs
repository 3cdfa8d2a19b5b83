namespace Descent.Kernels.Reference;

public partial class ReferenceBackend
{
    protected override void GemmCore(bool transposeA, bool transposeB, int m, int n, int k, float alpha,
        DeviceBuffer<float> a, DeviceBuffer<float> b, float beta, DeviceBuffer<float> c, GemmAlgorithm algorithm)
    {
        var result = Widen(c, m * n);
        ReferenceMath.Gemm(result, Widen(a, m * k), Widen(b, k * n), m, n, k, transposeA, transposeB, alpha, beta);
        Store(result, c);
    }
}

public static partial class ReferenceMath
{
    // ---------------------------------------------------------------- GEMM

    /// <summary>
    /// c = alpha * op(a) * op(b) + beta * c.
    /// op(a) is (M,K): a is stored (M,K), or (K,M) when transposed; op(b) is (K,N): b is stored (K,N),
    /// or (N,K) when transposed; c is (M,N).
    /// </summary>
    public static void Gemm(double[] c, double[] a, double[] b, int m, int n, int k,
        bool transposeA, bool transposeB, double alpha, double beta)
    {
        for (var row = 0; row < m; row++)
        {
            for (var col = 0; col < n; col++)
            {
                var sum = 0.0;
                for (var i = 0; i < k; i++)
                {
                    var aValue = transposeA ? a[i * m + row] : a[row * k + i];
                    var bValue = transposeB ? b[col * k + i] : b[i * n + col];
                    sum += aValue * bValue;
                }
                // beta 0 overwrites: C's old contents, even NaN (0 * NaN is NaN), must not reach the result.
                c[row * n + col] = beta == 0 ? alpha * sum : alpha * sum + beta * c[row * n + col];
            }
        }
    }
}
