using Descent.Kernels;
using Descent.Kernels.Conformance;
using Descent.Kernels.Cpu;
using Xunit;

namespace Descent.Tests.Cpu;

/// <summary>
/// What the conformance suite does not cover: the thread count, the fused linear forward, the choice of
/// backend, and the convolutional ops' steady state, which allocates nothing.
/// </summary>
public sealed class CpuBackendTests
{
    [Fact]
    public void Every_thread_count_gives_the_same_bits()
    {
        // Each element of C is summed in one fixed order whatever the split, so the thread count
        // changes only who computes what: 1, 2 and 3 threads must agree bit for bit.
        var results = new[] { 1, 2, 3 }.Select(threads =>
        {
            using var backend = new CpuBackend(threads);
            return Multiply(backend, transposeA: true, transposeB: false, 300, 200, 700);
        }).ToList();

        Assert.Equal(results[0], results[1]);
        Assert.Equal(results[0], results[2]);
    }

    [Theory]
    [InlineData(1, ", 1 thread, ")]
    [InlineData(2, ", 2 threads, ")]
    public void The_device_description_counts_its_threads_in_words_that_agree(int threads, string expected)
    {
        using var backend = new CpuBackend(threads);

        Assert.Contains(expected, backend.DeviceDescription, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false, false, true)]
    [InlineData(false, true, true)]
    [InlineData(true, false, true)]
    [InlineData(true, true, true)]
    [InlineData(false, false, false)]
    [InlineData(false, true, false)]
    [InlineData(true, false, false)]
    [InlineData(true, true, false)]
    public void The_cache_blocked_gemm_matches_the_naive_one_on_shapes_that_span_several_blocks(bool transposeA, bool transposeB, bool allowAvx512)
    {
        // 600 columns span two column blocks (NC = 512) and 600 steps three K blocks (KC = 256),
        // with edges in every direction.
        using var backend = new CpuBackend(2, allowAvx512);
        var cacheBlocked = Multiply(backend, transposeA, transposeB, 67, 600, 600);
        var naive = Multiply(backend, transposeA, transposeB, 67, 600, 600, GemmAlgorithm.Naive);

        for (var i = 0; i < naive.Length; i++)
        {
            Assert.True(Math.Abs(cacheBlocked[i] - naive[i]) <= 1e-3f, $"C[{i}]: cache-blocked {cacheBlocked[i]}, naive {naive[i]}");
        }
    }

    [Fact]
    public void The_fused_linear_forward_matches_gemm_then_bias_then_relu_bit_for_bit()
    {
        // The fused op stores each tile once, but adds and clamps in the same float order as the
        // three separate ops, so a model trains identically fused or not.
        using var backend = new CpuBackend(2);
        var (x, weight, bias) = (Upload(backend, 128 * 784, 1), Upload(backend, 128 * 784, 2), Upload(backend, 128, 3));
        using var fused = backend.Allocate<float>(128 * 128);
        using var separate = backend.Allocate<float>(128 * 128);

        backend.LinearForward(x, weight, bias, fused, 128, 784, 128, Activation.Relu);
        backend.Gemm(false, true, 128, 128, 784, 1f, x, weight, 0f, separate);
        backend.BiasAdd(separate, bias, 128, 128);
        backend.ActivationForward(Activation.Relu, separate, separate, 128 * 128);

        Assert.Equal(Download(backend, separate), Download(backend, fused));
    }

    [Fact]
    public void The_whole_conformance_suite_passes_on_one_thread()
    {
        using var backend = new CpuBackend(1);

        var failed = ConformanceSuite.Run(backend).Where(result => !result.Passed).Select(result => $"{result.Name}: {result.Detail}");

        Assert.Empty(failed);
    }

    [Fact]
    public void Auto_picks_cuda_where_present_else_the_cpu_backend_never_the_cpu_accelerator()
    {
        var cudaPresent = Backends.ListDevices().Any(device => device.Backend == Backends.CudaName);
        using var backend = Backends.Create(Backends.Auto);

        Assert.Equal(cudaPresent ? Backends.CudaName : Backends.CpuName, backend.Name);
    }

    [Fact]
    public void An_op_that_fails_on_a_worker_thread_throws_on_the_caller_and_the_backend_still_works()
    {
        // An activation the enum does not define reaches the kernels on every thread (the element
        // count is large enough to be split); the failure must come back as an exception, not end the process.
        using var backend = new CpuBackend(2);
        using var values = Upload(backend, 1 << 18, 1);

        Assert.Throws<InvalidInputException>(() => backend.ActivationForward((Activation)99, values, values, 1 << 18));

        backend.ActivationForward(Activation.Relu, values, values, 1 << 18);
        Assert.All(Download(backend, values), value => Assert.True(value >= 0));
    }

    [Theory]
    [InlineData(5)]
    [InlineData(1)]
    public void Convolutions_give_the_same_bits_on_every_thread_count(int batch)
    {
        // Images are shared out (5 over 2 or 3 threads, weight partials in chunks fixed by the batch),
        // or, one image, its GEMMs split: either way the thread count must not change a bit.
        var shape = new Conv2dShape(batch, 6, 11, 9, 40, 3, 3, 1, 1);
        var results = new[] { 1, 2, 3 }.Select(threads =>
        {
            using var backend = new CpuBackend(threads);
            return ConvolutionOutputs(backend, shape);
        }).ToList();

        Assert.Equal(results[0], results[1]);
        Assert.Equal(results[0], results[2]);
    }

    [Fact]
    public void The_convolutional_ops_allocate_nothing_after_their_first_call()
    {
        using var backend = new CpuBackend(2);
        var shape = new Conv2dShape(8, 4, 12, 12, 16, 3, 3, 1, 0);
        var pooling = new Pool2dShape(8, 16, 10, 10, 2, 2);
        var buffers = Enumerable.Range(0, 8).Select(_ => backend.Allocate<float>((int)shape.OutputLength + (int)shape.InputLength)).ToList();
        var argmax = backend.Allocate<int>((int)pooling.OutputLength);
        var (x, w, b, y, dY, dX, dW, dB) = (buffers[0], buffers[1], buffers[2], buffers[3], buffers[4], buffers[5], buffers[6], buffers[7]);
        void Step()
        {
            backend.Conv2dForward(x, w, b, y, shape, Activation.Relu);
            backend.MaxPool2dForward(y, x, argmax, pooling);
            backend.DropoutForward(x, x, 1000, new DropoutStep(0.25f, 1, 2, 3));
            backend.DropoutBackward(dX, dX, 1000, new DropoutStep(0.25f, 1, 2, 3));
            backend.MaxPool2dBackward(dX, argmax, dY, pooling);
            backend.Conv2dBackwardInput(dY, w, dX, shape);
            backend.Conv2dBackwardWeight(dY, x, dW, dB, shape);
            backend.AdadeltaUpdate(w, dW, dX, dY, (int)shape.WeightLength, new AdadeltaStep(1f, 0.9f, 1e-6f, 0f));
        }

        Step();
        var before = GC.GetAllocatedBytesForCurrentThread();
        Step();

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        foreach (var buffer in buffers)
        {
            buffer.Dispose();
        }
        argmax.Dispose();
    }

    [Fact]
    public void Zero_threads_is_bad_input()
    {
        Assert.Throws<InvalidInputException>(() => new CpuBackend(0));
    }

    private static float[] Multiply(ComputeBackend backend, bool transposeA, bool transposeB, int m, int n, int k,
        GemmAlgorithm algorithm = GemmAlgorithm.Auto)
    {
        using var a = Upload(backend, m * k, 1);
        using var b = Upload(backend, k * n, 2);
        using var c = Upload(backend, m * n, 3);
        backend.Gemm(transposeA, transposeB, m, n, k, 0.5f, a, b, 0.25f, c, algorithm);
        return Download(backend, c);
    }

    private static DeviceBuffer<float> Upload(ComputeBackend backend, int count, int seed)
    {
        var random = new Random(seed);
        var buffer = backend.Allocate<float>(count);
        backend.Upload<float>(buffer, Enumerable.Range(0, count).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray());
        return buffer;
    }

    private static float[] Download(ComputeBackend backend, DeviceBuffer<float> buffer)
    {
        var values = new float[buffer.Length];
        backend.Download<float>(buffer, values);
        return values;
    }

    /// <summary>The forward, the input gradient and the weight and bias gradients, one after another, from seeded inputs.</summary>
    private static float[] ConvolutionOutputs(ComputeBackend backend, Conv2dShape shape)
    {
        using var x = Upload(backend, (int)shape.InputLength, 1);
        using var w = Upload(backend, (int)shape.WeightLength, 2);
        using var b = Upload(backend, shape.OutChannels, 3);
        using var dY = Upload(backend, (int)shape.OutputLength, 4);
        using var y = backend.Allocate<float>((int)shape.OutputLength);
        using var dX = backend.Allocate<float>((int)shape.InputLength);
        using var dW = backend.Allocate<float>((int)shape.WeightLength);
        using var dB = backend.Allocate<float>(shape.OutChannels);
        backend.Conv2dForward(x, w, b, y, shape, Activation.Tanh);
        backend.Conv2dBackwardInput(dY, w, dX, shape);
        backend.Conv2dBackwardWeight(dY, x, dW, dB, shape);
        return [.. Download(backend, y), .. Download(backend, dX), .. Download(backend, dW), .. Download(backend, dB)];
    }
}
