using Descent.Kernels;
using Descent.Kernels.Ilgpu;
using Xunit;

namespace Descent.Tests.Conformance;

/// <summary>
/// One GEMM run through a given <see cref="RegisterBlockGemmPlan"/> on any backend that takes a plan, checked against
/// plain double loops: C = f(alpha op(A) op(B) + beta C + bias) with seeded values in [-1, 1), each element within
/// 1e-6 of the sum of its products' magnitudes (plus 1).
/// </summary>
internal sealed class PlannedGemmCase
{
    public const float Alpha = 0.7f;
    public const float Beta = 0.3f;

    public PlannedGemmCase(int m, int n, int k)
    {
        (M, N, K) = (m, n, k);
        var random = new Random(m * 31 + n * 7 + k);
        float[] Values(int count) => Enumerable.Range(0, count).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        A = Values(m * k);
        B = Values(k * n);
        C = Values(m * n);
        Bias = Values(n);
    }

    public int M { get; }

    public int N { get; }

    public int K { get; }

    /// <summary>op(A) is M x K: stored M x K, or K x M when transposed.</summary>
    public float[] A { get; }

    /// <summary>op(B) is K x N: stored K x N, or N x K when transposed.</summary>
    public float[] B { get; }

    /// <summary>C before the product: beta scales it.</summary>
    public float[] C { get; }

    public float[] Bias { get; }

    /// <summary>Every element of <paramref name="result"/> against the double loops.</summary>
    public void AssertResult(float[] result, RegisterBlockGemmPlan plan, bool transposeA, bool transposeB, Activation? activation)
    {
        var (m, n, k) = (M, N, K);
        for (var row = 0; row < m; row++)
        {
            for (var col = 0; col < n; col++)
            {
                var sum = 0.0;
                var magnitude = 0.0;
                for (var p = 0; p < k; p++)
                {
                    var product = (double)A[transposeA ? p * m + row : row * k + p] * B[transposeB ? col * k + p : p * n + col];
                    sum += product;
                    magnitude += Math.Abs(product);
                }
                var expected = Alpha * sum + Beta * C[row * n + col] + Bias[col];
                expected = activation switch
                {
                    null => expected,
                    Activation.Relu => Math.Max(0, expected),
                    Activation.Sigmoid => 1 / (1 + Math.Exp(-expected)),
                    _ => throw new ArgumentOutOfRangeException(nameof(activation), activation, "no reference here"),
                };
                var bound = 1e-6 * (magnitude + 1);
                Assert.True(Math.Abs(result[row * n + col] - expected) <= bound,
                    $"C({row}, {col}) = {result[row * n + col]}, expected {expected} ({plan.Tiling.Tile} tiles, splits {plan.Splits})");
            }
        }
    }
}
