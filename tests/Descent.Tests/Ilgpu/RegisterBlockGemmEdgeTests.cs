using Descent.Kernels;
using Descent.Kernels.Ilgpu;
using Xunit;

namespace Descent.Tests.Ilgpu;

/// <summary>
/// The register-blocks GEMM executed on the CPU accelerator with the plans a GPU gets at its edges: M and N one past a
/// tile (130 x 129 at 32 x 32 tiles), every transpose, bias and activation in the epilogue, K split into chunks whose
/// last is short or empty. Checked against plain double loops; a split adds its chunks in another order than k = 0, 1,
/// ..., so the bound is a float rounding one, not bit equality.
/// </summary>
public sealed class RegisterBlockGemmEdgeTests : IDisposable
{
    private readonly IlgpuBackend backend = IlgpuBackend.CreateCpu();

    public void Dispose() => backend.Dispose();

    public static TheoryData<bool, bool, int> TransposesAndSplits()
    {
        var data = new TheoryData<bool, bool, int>();
        foreach (var transposeA in new[] { false, true })
        {
            foreach (var transposeB in new[] { false, true })
            {
                foreach (var splits in new[] { 1, 3 })
                {
                    data.Add(transposeA, transposeB, splits);
                }
            }
        }
        return data;
    }

    /// <summary>130 x 129 x 37: the last row and column blocks hold 2 and 1 rows/columns of C; K in 10 steps of 4.</summary>
    [Theory]
    [MemberData(nameof(TransposesAndSplits))]
    public void Edges_one_past_a_tile_match_the_reference(bool transposeA, bool transposeB, int splits)
    {
        const int m = 130, n = 129, k = 37;
        var tiling = RegisterBlockTiling.Narrow;
        var steps = (k + tiling.Depth - 1) / tiling.Depth;
        var plan = new RegisterBlockGemmPlan(tiling, 5, 5, splits, (steps + splits - 1) / splits);

        AssertGemm(plan, transposeA, transposeB, m, n, k, Activation.Relu);
    }

    /// <summary>
    /// K = 20 is 5 steps of 4; four chunks of 2 steps reach k = 8, 16, 20 and then nothing: the fourth chunk is empty and
    /// must add zeros, and the third stops at K within its second step.
    /// </summary>
    [Fact]
    public void An_empty_last_chunk_adds_nothing()
    {
        var plan = new RegisterBlockGemmPlan(RegisterBlockTiling.Narrow, 2, 2, 4, 2);

        AssertGemm(plan, false, true, 33, 40, 20, activation: null);
    }

    private void AssertGemm(RegisterBlockGemmPlan plan, bool transposeA, bool transposeB, int m, int n, int k, Activation? activation)
    {
        const float alpha = 0.7f, beta = 0.3f;
        var random = new Random(m * 31 + n * 7 + k);
        float[] Values(int count) => Enumerable.Range(0, count).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        var a = Values(m * k);
        var b = Values(k * n);
        var c = Values(m * n);
        var bias = Values(n);
        using var aBuffer = Upload(a);
        using var bBuffer = Upload(b);
        using var cBuffer = Upload(c);
        using var biasBuffer = Upload(bias);

        backend.GemmWithPlan(plan, transposeA, transposeB, m, n, k, alpha, aBuffer, bBuffer, beta, cBuffer, biasBuffer, activation);
        var result = new float[m * n];
        backend.Download<float>(cBuffer, result);

        for (var row = 0; row < m; row++)
        {
            for (var col = 0; col < n; col++)
            {
                var sum = 0.0;
                var magnitude = 0.0;
                for (var p = 0; p < k; p++)
                {
                    var product = (double)a[transposeA ? p * m + row : row * k + p] * b[transposeB ? col * k + p : p * n + col];
                    sum += product;
                    magnitude += Math.Abs(product);
                }
                var expected = alpha * sum + beta * c[row * n + col] + bias[col];
                if (activation == Activation.Relu)
                {
                    expected = Math.Max(0, expected);
                }
                var bound = 1e-6 * (magnitude + 1);
                Assert.True(Math.Abs(result[row * n + col] - expected) <= bound,
                    $"C({row}, {col}) = {result[row * n + col]}, expected {expected} (splits {plan.Splits})");
            }
        }
    }

    private DeviceBuffer<float> Upload(float[] values)
    {
        var buffer = backend.Allocate<float>(values.Length);
        backend.Upload<float>(buffer, values);
        return buffer;
    }
}
