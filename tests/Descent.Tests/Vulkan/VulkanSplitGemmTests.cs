using Descent.Kernels;
using Descent.Kernels.Ilgpu;
using Descent.Kernels.Vulkan;
using Descent.Tests.Conformance;
using Xunit;

namespace Descent.Tests.Vulkan;

/// <summary>
/// The shared-memory GEMM on lavapipe with the plans a GPU gets (<see cref="RegisterBlockGemmPlan"/> over the Vulkan
/// tilings): M and N one past a tile (130 x 129), both tilings, every transpose, bias and activation in the epilogue, K
/// split into chunks whose last is short or empty, each split recorded as its chunks and their sum. Checked against
/// plain double loops; a split adds its chunks in another order than k = 0, 1, ..., so the bound is a float rounding one.
/// </summary>
public sealed class VulkanSplitGemmTests
{
    public static TheoryData<int, bool, bool, int> TilingsTransposesAndSplits()
    {
        var data = new TheoryData<int, bool, bool, int>();
        for (var tiling = 0; tiling < DispatchShape.SharedGemmTilings.Count; tiling++)
        {
            foreach (var transposeA in new[] { false, true })
            {
                foreach (var transposeB in new[] { false, true })
                {
                    foreach (var splits in new[] { 1, 3 })
                    {
                        data.Add(tiling, transposeA, transposeB, splits);
                    }
                }
            }
        }
        return data;
    }

    /// <summary>130 x 129 x 37: the last row and column blocks hold 2 and 1 rows/columns of C (at 32 and 64 wide tiles); K in 5 steps of 8.</summary>
    [SkippableTheory]
    [MemberData(nameof(TilingsTransposesAndSplits))]
    public void Edges_one_past_a_tile_match_the_reference(int tilingIndex, bool transposeA, bool transposeB, int splits)
    {
        const int m = 130, n = 129, k = 37;
        var tiling = DispatchShape.SharedGemmTilings[tilingIndex];
        var steps = (k + tiling.Depth - 1) / tiling.Depth;
        var blocks = (130 + tiling.Tile - 1) / tiling.Tile;
        var plan = new RegisterBlockGemmPlan(tiling, blocks, (129 + tiling.Tile - 1) / tiling.Tile, splits, (steps + splits - 1) / splits);

        AssertGemm(plan, transposeA, transposeB, m, n, k, Activation.Relu);
    }

    /// <summary>
    /// K = 20 is 3 steps of 8; four chunks of one step reach k = 8, 16, 20 and then nothing: the fourth chunk is empty and
    /// must add zeros, and the third stops at K within its step.
    /// </summary>
    [SkippableFact]
    public void An_empty_last_chunk_adds_nothing()
    {
        var plan = new RegisterBlockGemmPlan(DispatchShape.SharedGemmTilings[^1], 2, 2, 4, 1);

        AssertGemm(plan, false, true, 33, 40, 20, activation: null);
    }

    /// <summary>A plan lavapipe's own device gets: a single tile splits K over its threads, the sum dispatch applying the epilogue.</summary>
    [SkippableFact]
    public void A_linear_forward_too_small_for_the_device_splits_and_keeps_its_epilogue()
    {
        using var backend = VulkanAvailability.CreateValidated();
        var device = backend.SharedGemmDevice with { Multiprocessors = 4 };
        var plan = RegisterBlockGemmPlan.For(16, 10, 784, device);

        Assert.True(plan.Splits > 1, $"{plan.Splits} splits");
        Assert.Equal(2, plan.Launches);
        AssertGemm(plan, false, true, 16, 10, 784, Activation.Sigmoid);
    }

    private static void AssertGemm(RegisterBlockGemmPlan plan, bool transposeA, bool transposeB, int m, int n, int k, Activation? activation)
    {
        using var backend = VulkanAvailability.CreateValidated();
        var gemm = new PlannedGemmCase(m, n, k);
        using var aBuffer = Upload(backend, gemm.A);
        using var bBuffer = Upload(backend, gemm.B);
        using var cBuffer = Upload(backend, gemm.C);
        using var biasBuffer = Upload(backend, gemm.Bias);

        var before = backend.Dispatches;
        backend.GemmWithPlan(plan, transposeA, transposeB, m, n, k, PlannedGemmCase.Alpha, aBuffer, bBuffer, PlannedGemmCase.Beta, cBuffer,
            biasBuffer, activation);
        Assert.Equal(plan.Launches, backend.Dispatches - before);
        var result = new float[m * n];
        backend.Download<float>(cBuffer, result);

        gemm.AssertResult(result, plan, transposeA, transposeB, activation);
        Assert.Empty(backend.ValidationMessages);
    }

    private static DeviceBuffer<float> Upload(ComputeBackend backend, float[] values)
    {
        var buffer = backend.Allocate<float>(values.Length);
        backend.Upload<float>(buffer, values);
        return buffer;
    }
}
