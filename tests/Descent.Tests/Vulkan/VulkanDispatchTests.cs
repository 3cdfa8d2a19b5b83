using Descent.Kernels;
using Descent.Kernels.Ilgpu;
using Descent.Kernels.Vulkan;
using Xunit;

namespace Descent.Tests.Vulkan;

/// <summary>
/// Each op of a training step records as few dispatches as the step's budget allows (a 784-128-10 SGD step
/// in at most 11), counted by the backend; fused ops still compute what their parts did; a tiled GEMM's
/// grid larger than maxComputeWorkGroupCount (forced small here) is split into several dispatches that
/// together give the same result; and the shared-memory GEMM is right at odd shapes in every transpose.
/// </summary>
public sealed class VulkanDispatchTests
{
    private static readonly GemmAlgorithm[] TiledGemms = [GemmAlgorithm.RegisterBlocks, GemmAlgorithm.SharedMemoryRegisterBlocks];

    [SkippableTheory]
    [InlineData(null)]
    [InlineData(Activation.Relu)]
    [InlineData(Activation.Sigmoid)]
    public void LinearForward_is_one_dispatch_with_bias_and_activation(Activation? activation)
    {
        const int Rows = 7, Inputs = 13, Outputs = 5;
        using var backend = VulkanAvailability.CreateValidated();
        var x = Values(Rows * Inputs, 1);
        var weight = Values(Outputs * Inputs, 2);
        var bias = Values(Outputs, 3);
        using var xBuffer = Uploaded(backend, x);
        using var weightBuffer = Uploaded(backend, weight);
        using var biasBuffer = Uploaded(backend, bias);
        using var y = backend.Allocate<float>(Rows * Outputs);

        var before = backend.Dispatches;
        backend.LinearForward(xBuffer, weightBuffer, biasBuffer, y, Rows, Inputs, Outputs, activation);
        Assert.Equal(1, backend.Dispatches - before);

        var result = Downloaded(backend, y);
        for (var row = 0; row < Rows; row++)
        {
            for (var col = 0; col < Outputs; col++)
            {
                var sum = (double)bias[col];
                for (var p = 0; p < Inputs; p++)
                {
                    sum += (double)x[row * Inputs + p] * weight[col * Inputs + p];
                }
                var expected = activation switch
                {
                    Activation.Relu => Math.Max(sum, 0),
                    Activation.Sigmoid => 1 / (1 + Math.Exp(-sum)),
                    _ => sum,
                };
                Assert.Equal(expected, result[row * Outputs + col], 1e-4);
            }
        }
        Assert.Empty(backend.ValidationMessages);
    }

    [SkippableFact]
    public void Each_loss_is_one_dispatch_that_fills_its_metric_slot()
    {
        const int Rows = 37, Cols = 10;
        using var backend = VulkanAvailability.CreateValidated();
        var logits = Values(Rows * Cols, 4);
        var labels = Enumerable.Range(0, Rows).Select(row => row % Cols).ToArray();
        using var logitBuffer = Uploaded(backend, logits);
        using var labelBuffer = Uploaded(backend, labels);
        using var dLogits = backend.Allocate<float>(Rows * Cols);
        using var rowStats = backend.Allocate<float>(2 * Rows);
        using var metrics = backend.Allocate<float>(6);
        using var targets = Uploaded(backend, labels.Select(label => label % 2).ToArray());

        var before = backend.Dispatches;
        backend.SoftmaxCrossEntropy(logitBuffer, labelBuffer, dLogits, rowStats, metrics, 0, Rows, Cols);
        Assert.Equal(1, backend.Dispatches - before);
        before = backend.Dispatches;
        backend.BinaryLossForwardBackward(BinaryLoss.BinaryCrossEntropy, logitBuffer, targets, dLogits, rowStats, metrics, 1, Rows);
        Assert.Equal(1, backend.Dispatches - before);

        // The binary loss's rowStats are the last written; its slot is their sum in row order.
        var stats = Downloaded(backend, rowStats);
        var slots = Downloaded(backend, metrics);
        var lossSum = 0f;
        var correct = 0f;
        for (var row = 0; row < Rows; row++)
        {
            lossSum += stats[row];
            correct += stats[Rows + row];
        }
        Assert.Equal(lossSum, slots[3]);
        Assert.Equal(correct, slots[4]);
        Assert.Equal(0f, slots[5]);
        Assert.True(slots[0] > 0f && slots[1] is >= 0f and <= Rows && slots[2] == 0f);
        Assert.Empty(backend.ValidationMessages);
    }

    [SkippableFact]
    public void Gemm_optimizer_and_gather_are_one_dispatch_each()
    {
        const int Count = 4, Features = 6;
        using var backend = VulkanAvailability.CreateValidated();
        using var a = Uploaded(backend, Values(64, 5));
        using var b = Uploaded(backend, Values(64, 6));
        using var c = backend.Allocate<float>(64);
        foreach (var algorithm in backend.GemmAlgorithms)
        {
            var before = backend.Dispatches;
            backend.Gemm(false, true, 8, 8, 8, 1f, a, b, 0f, c, algorithm);
            Assert.Equal(1, backend.Dispatches - before);
        }

        using var velocity = backend.Allocate<float>(64);
        backend.Fill(velocity, 0f, 0, 64);
        var beforeSgd = backend.Dispatches;
        backend.SgdUpdate(c, a, velocity, 64, 0.1f, 0.9f, 0f, false);
        Assert.Equal(1, backend.Dispatches - beforeSgd);

        using var pixels = Uploaded(backend, Enumerable.Range(0, Count * Features).Select(i => (byte)i).ToArray());
        using var labels = Uploaded(backend, new[] { 3, 1, 4, 1 });
        using var order = Uploaded(backend, new[] { 2, 0, 3, 1 });
        using var inputs = backend.Allocate<float>(Count * Features);
        using var batchLabels = backend.Allocate<int>(Count);
        using var scaleShift = Uploaded(backend, new[] { 1f / 255, 0f });
        var beforeGather = backend.Dispatches;
        backend.GatherBatch(pixels, labels, order, 0, Count, Features, scaleShift, 1, inputs, batchLabels);
        Assert.Equal(1, backend.Dispatches - beforeGather);
        Assert.Equal(new[] { 4, 3, 1, 1 }, Downloaded(backend, batchLabels));
        Assert.Empty(backend.ValidationMessages);
    }

    [SkippableFact]
    public void A_grid_past_the_group_count_limit_is_split_and_stays_correct()
    {
        using var backend = VulkanAvailability.CreateValidated();
        backend.LimitWorkGroupCounts(2, 3);
        foreach (var algorithm in TiledGemms)
        {
            // Tiles are at most 64 x 64, so 300 x 290 needs at least 5 groups a side: 3 x 2 dispatches or more.
            var dispatches = CheckGemm(backend, algorithm, false, false, 300, 290, 9, 1f, 0f);
            Assert.True(dispatches >= 6, $"{algorithm} recorded {dispatches} dispatches");
        }
        Assert.Empty(backend.ValidationMessages);
    }

    [SkippableTheory]
    [InlineData(false, false)]
    [InlineData(false, true)]
    [InlineData(true, false)]
    [InlineData(true, true)]
    public void The_shared_memory_gemm_matches_the_reference_at_odd_shapes(bool transposeA, bool transposeB)
    {
        using var backend = VulkanAvailability.CreateValidated();
        foreach (var (m, n, k) in new[] { (1, 1, 1), (67, 45, 19), (33, 129, 70), (5, 3, 131) })
        {
            // One dispatch, or two where the plan splits K (5 x 3 x 131 is one tile for lavapipe's several threads).
            var launches = RegisterBlockGemmPlan.For(m, n, k, backend.SharedGemmDevice).Launches;
            Assert.Equal(launches, CheckGemm(backend, GemmAlgorithm.SharedMemoryRegisterBlocks, transposeA, transposeB, m, n, k, 1f, 0f));
            Assert.Equal(launches, CheckGemm(backend, GemmAlgorithm.SharedMemoryRegisterBlocks, transposeA, transposeB, m, n, k, 0.5f, -2f));
        }
        Assert.Empty(backend.ValidationMessages);
    }

    /// <summary>Runs one GEMM against a double-precision reference; returns the dispatches it recorded.</summary>
    private static long CheckGemm(VulkanBackend backend, GemmAlgorithm algorithm, bool transposeA, bool transposeB,
        int m, int n, int k, float alpha, float beta)
    {
        var a = Values(m * k, m + k);
        var b = Values(k * n, n + 2 * k);
        var c = Values(m * n, m + n);
        using var aBuffer = Uploaded(backend, a);
        using var bBuffer = Uploaded(backend, b);
        using var cBuffer = Uploaded(backend, c);
        var before = backend.Dispatches;
        backend.Gemm(transposeA, transposeB, m, n, k, alpha, aBuffer, bBuffer, beta, cBuffer, algorithm);
        var dispatches = backend.Dispatches - before;
        var result = Downloaded(backend, cBuffer);
        for (var row = 0; row < m; row++)
        {
            for (var col = 0; col < n; col++)
            {
                var sum = 0.0;
                for (var p = 0; p < k; p++)
                {
                    sum += (double)a[transposeA ? p * m + row : row * k + p] * b[transposeB ? col * k + p : p * n + col];
                }
                var expected = alpha * sum + (beta == 0f ? 0 : beta * c[row * n + col]);
                Assert.True(Math.Abs(expected - result[row * n + col]) <= 1e-4 * (1 + Math.Abs(expected)),
                    $"{algorithm} {m}x{n}x{k} transposes {transposeA},{transposeB}: C[{row},{col}] = {result[row * n + col]}, expected {expected}");
            }
        }
        return dispatches;
    }

    private static float[] Values(int count, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
    }

    private static DeviceBuffer<T> Uploaded<T>(ComputeBackend backend, T[] values) where T : unmanaged
    {
        var buffer = backend.Allocate<T>(values.Length);
        backend.Upload<T>(buffer, values);
        return buffer;
    }

    private static T[] Downloaded<T>(ComputeBackend backend, DeviceBuffer<T> buffer) where T : unmanaged
    {
        var values = new T[buffer.Length];
        backend.Download<T>(buffer, values);
        return values;
    }
}
