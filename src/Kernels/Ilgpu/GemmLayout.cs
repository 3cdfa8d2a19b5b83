namespace Descent.Kernels.Ilgpu;

/// <summary>
/// The sizes of one GEMM and where op(A) and op(B) find their elements, so a kernel handles a
/// transpose by index arithmetic instead of a copy:
/// op(A)(r, p) = a[r * ARowStride + p * AColStride] and op(B)(p, c) = b[p * BRowStride + c * BColStride].
/// Passed to kernels by value.
/// </summary>
internal readonly struct GemmLayout
{
    public readonly int M;
    public readonly int N;
    public readonly int K;
    public readonly int ARowStride;
    public readonly int AColStride;
    public readonly int BRowStride;
    public readonly int BColStride;

    public GemmLayout(bool transposeA, bool transposeB, int m, int n, int k)
    {
        M = m;
        N = n;
        K = k;
        // A is stored M x K, or K x M when transposed.
        ARowStride = transposeA ? 1 : k;
        AColStride = transposeA ? m : 1;
        // B is stored K x N, or N x K when transposed.
        BRowStride = transposeB ? 1 : n;
        BColStride = transposeB ? k : 1;
    }
}
