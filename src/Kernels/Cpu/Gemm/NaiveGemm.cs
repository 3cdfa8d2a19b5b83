using System.Runtime.CompilerServices;
namespace Descent.Kernels.Cpu.Gemm;

/// <summary>
/// One plain float dot product per element of C, on one thread, no blocking, no vectors: the baseline
/// the cache-blocked kernel is measured against (GemmAlgorithm.Naive), as obviously right as the reference.
/// </summary>
internal static unsafe class NaiveGemm
{
    /// <summary>C (M x N) = alpha op(A) op(B) + beta C; beta 0 overwrites.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Multiply(in GemmProblem problem)
    {
        var (m, n, k) = (problem.M, problem.N, problem.K);
        var output = problem.Output;
        for (var row = 0; row < m; row++)
        {
            for (var col = 0; col < n; col++)
            {
                var sum = 0f;
                for (var p = 0; p < k; p++)
                {
                    var a = problem.TransposeA ? problem.A[(long)p * m + row] : problem.A[(long)row * k + p];
                    var b = problem.TransposeB ? problem.B[(long)col * k + p] : problem.B[(long)p * n + col];
                    sum += a * b;
                }
                var c = output.C + (long)row * n + col;
                *c = output.Beta == 0f ? output.Alpha * sum : output.Alpha * sum + output.Beta * *c;
            }
        }
    }
}
