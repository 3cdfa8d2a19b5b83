using Descent.Kernels;
using Descent.Kernels.Ilgpu;
using Descent.Kernels.Vulkan;
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
        const float alpha = 0.7f, beta = 0.3f;
        using var backend = VulkanAvailability.CreateValidated();
        var random = new Random(m * 31 + n * 7 + k);
        float[] Values(int count) => Enumerable.Range(0, count).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        var a = Values(m * k);
        var b = Values(k * n);
        var c = Values(m * n);
        var bias = Values(n);
        using var aBuffer = Upload(backend, a);
        using var bBuffer = Upload(backend, b);
        using var cBuffer = Upload(backend, c);
        using var biasBuffer = Upload(backend, bias);

        var before = backend.Dispatches;
        backend.GemmWithPlan(plan, transposeA, transposeB, m, n, k, alpha, aBuffer, bBuffer, beta, cBuffer, biasBuffer, activation);
        Assert.Equal(plan.Launches, backend.Dispatches - before);
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
                expected = activation switch
                {
                    Activation.Relu => Math.Max(0, expected),
                    Activation.Sigmoid => 1 / (1 + Math.Exp(-expected)),
                    _ => expected,
                };
                var bound = 1e-6 * (magnitude + 1);
                Assert.True(Math.Abs(result[row * n + col] - expected) <= bound,
                    $"C({row}, {col}) = {result[row * n + col]}, expected {expected} ({plan.Tiling.Tile} tiles, splits {plan.Splits})");
            }
        }
        Assert.Empty(backend.ValidationMessages);
    }

    private static DeviceBuffer<float> Upload(ComputeBackend backend, float[] values)
    {
        var buffer = backend.Allocate<float>(values.Length);
        backend.Upload<float>(buffer, values);
        return buffer;
    }
}
