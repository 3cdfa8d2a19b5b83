using Descent.Kernels;
using Descent.Kernels.Ilgpu;
using Descent.Tests.Conformance;
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
        var gemm = new PlannedGemmCase(m, n, k);
        using var aBuffer = Upload(gemm.A);
        using var bBuffer = Upload(gemm.B);
        using var cBuffer = Upload(gemm.C);
        using var biasBuffer = Upload(gemm.Bias);

        backend.GemmWithPlan(plan, transposeA, transposeB, m, n, k, PlannedGemmCase.Alpha, aBuffer, bBuffer, PlannedGemmCase.Beta, cBuffer,
            biasBuffer, activation);
        var result = new float[m * n];
        backend.Download<float>(cBuffer, result);

        gemm.AssertResult(result, plan, transposeA, transposeB, activation);
    }

    private DeviceBuffer<float> Upload(float[] values)
    {
        var buffer = backend.Allocate<float>(values.Length);
        backend.Upload<float>(buffer, values);
        return buffer;
    }
}
