using Descent.Kernels;
using Descent.Kernels.Conformance;
using Descent.Kernels.Reference;
using Xunit;

namespace Descent.Tests.Vulkan;

/// <summary>
/// What the Vulkan convolution does beyond the conformance suite: batches whose column matrices exceed its
/// scratch buffer are done in chunks of images with the same results, the scratch buffer grows without a
/// host wait, and the dispatches a convolution costs.
/// </summary>
public sealed class VulkanConvolutionTests
{
    /// <summary>Three images, so chunks of one leave each op three rounds of im2col, GEMM and a final step.</summary>
    private static readonly Conv2dShape Shape = new(Batch: 3, InChannels: 2, Height: 7, Width: 6, OutChannels: 3,
        KernelHeight: 3, KernelWidth: 3, Stride: 1, Padding: 1);

    /// <summary>
    /// Each output element adds the same terms in the same order whatever the chunks (the weight and bias
    /// gradients add the images' products one after another either way), so every result matches bit for bit.
    /// </summary>
    [SkippableFact]
    public void A_batch_larger_than_the_scratch_buffer_is_done_one_image_at_a_time_with_the_same_results()
    {
        using var whole = VulkanAvailability.CreateValidated();
        using var chunked = VulkanAvailability.CreateValidated();
        // The weight gradient's columns (with their row of ones) and partial products of one image, which exceed the forward's columns.
        var rowLength = Shape.InChannels * Shape.KernelHeight * Shape.KernelWidth + 1;
        chunked.ScratchBytesLimit = (long)rowLength * (Shape.OutHeight * Shape.OutWidth + Shape.OutChannels) * sizeof(float);

        var (wholeDWeight, wholeDBias) = ConvolutionCases.BackwardWeightOnBackend(whole, Shape);
        var (chunkedDWeight, chunkedDBias) = ConvolutionCases.BackwardWeightOnBackend(chunked, Shape);

        Assert.Equal(ConvolutionCases.ForwardOnBackend(whole, Shape, Activation.Tanh), ConvolutionCases.ForwardOnBackend(chunked, Shape, Activation.Tanh));
        Assert.Equal(ConvolutionCases.BackwardInputOnBackend(whole, Shape), ConvolutionCases.BackwardInputOnBackend(chunked, Shape));
        Assert.Equal(wholeDWeight, chunkedDWeight);
        Assert.Equal(wholeDBias, chunkedDBias);
        Assert.Empty(whole.ValidationMessages);
        Assert.Empty(chunked.ValidationMessages);
    }

    /// <summary>One image of this convolution needs 49 * 1024^2 floats (196 MiB) of columns; lavapipe binds at most 128 MiB.</summary>
    [SkippableFact]
    public void A_convolution_whose_single_image_exceeds_the_largest_buffer_is_refused_before_any_work()
    {
        using var backend = VulkanAvailability.CreateValidated();
        var shape = new Conv2dShape(Batch: 1, InChannels: 1, Height: 1024, Width: 1024, OutChannels: 1, KernelHeight: 7, KernelWidth: 7,
            Stride: 1, Padding: 3);
        Skip.If(49L * 1024 * 1024 * sizeof(float) <= backend.MaxBufferBytes, "this device binds buffers larger than one image's columns");
        using var x = backend.Allocate<float>((int)shape.InputLength);
        using var weight = backend.Allocate<float>((int)shape.WeightLength);
        using var bias = backend.Allocate<float>(shape.OutChannels);
        using var y = backend.Allocate<float>((int)shape.OutputLength);
        var dispatches = backend.Dispatches;

        var error = Assert.Throws<InvalidInputException>(() => backend.Conv2dForward(x, weight, bias, y, shape, activation: null));

        Assert.Contains("196.0 MiB of column matrices per image, more than this device's largest storage buffer", error.Message);
        Assert.Equal(dispatches, backend.Dispatches);
        Assert.Empty(backend.ValidationMessages);
    }

    /// <summary>
    /// The convolution's batched GEMM in each shader (a GPU's Auto is the shared-memory one, lavapipe's the
    /// register blocks), in one dispatch per product grid and split into one group per dispatch.
    /// </summary>
    [SkippableTheory]
    [InlineData(GemmAlgorithm.Naive, false)]
    [InlineData(GemmAlgorithm.RegisterBlocks, false)]
    [InlineData(GemmAlgorithm.RegisterBlocks, true)]
    [InlineData(GemmAlgorithm.SharedMemoryRegisterBlocks, false)]
    [InlineData(GemmAlgorithm.SharedMemoryRegisterBlocks, true)]
    public void Each_gemm_shader_convolves_as_the_reference_does(GemmAlgorithm algorithm, bool oneGroupPerDispatch)
    {
        using var backend = VulkanAvailability.CreateValidated();
        using var reference = new ReferenceBackend();
        backend.UseAutoGemm(algorithm);
        if (oneGroupPerDispatch)
        {
            backend.LimitWorkGroupCounts(1, 1);
        }
        var shape = ConvolutionCases.Large;

        AssertClose("y", ConvolutionCases.ForwardOnBackend(backend, shape, Activation.Sigmoid),
            ConvolutionCases.ForwardOnBackend(reference, shape, Activation.Sigmoid), ConvolutionCases.ForwardTolerance(shape));
        AssertClose("dX", ConvolutionCases.BackwardInputOnBackend(backend, shape), ConvolutionCases.BackwardInputOnBackend(reference, shape),
            ConvolutionCases.InputTolerance(shape));
        var (dWeight, dBias) = ConvolutionCases.BackwardWeightOnBackend(backend, shape);
        var (expectedWeight, expectedBias) = ConvolutionCases.BackwardWeightOnBackend(reference, shape);
        AssertClose("dW", dWeight, expectedWeight, ConvolutionCases.WeightTolerance(shape));
        AssertClose("dBias", dBias, expectedBias, ConvolutionCases.WeightTolerance(shape));
        Assert.Empty(backend.ValidationMessages);
    }

    /// <summary>A larger convolution after a smaller one grows the scratch buffer; the outgrown one waits for the next host wait to go.</summary>
    [SkippableFact]
    public void Growing_the_scratch_buffer_waits_for_nothing_and_keeps_the_earlier_results()
    {
        using var backend = VulkanAvailability.CreateValidated();
        var small = Shape with { Batch = 1 };
        var (x, weight, bias, _) = ConvolutionCases.Inputs(Shape);
        using var input = backend.Allocate<float>((int)Shape.InputLength);
        using var weights = backend.Allocate<float>((int)Shape.WeightLength);
        using var biases = backend.Allocate<float>(Shape.OutChannels);
        using var smallOutput = backend.Allocate<float>((int)small.OutputLength);
        using var output = backend.Allocate<float>((int)Shape.OutputLength);
        backend.Upload<float>(input, x);
        backend.Upload<float>(weights, weight);
        backend.Upload<float>(biases, bias);
        backend.Synchronize();
        var hostWaits = backend.HostWaits;

        backend.Conv2dForward(backend.Slice(input, 0, (int)small.InputLength), weights, biases, smallOutput, small, activation: null);
        backend.Conv2dForward(input, weights, biases, output, Shape, activation: null);

        Assert.Equal(hostWaits, backend.HostWaits);
        var got = new float[Shape.OutputLength];
        backend.Download<float>(output, got);
        var gotSmall = new float[small.OutputLength];
        backend.Download<float>(smallOutput, gotSmall);
        using var reference = new ReferenceBackend();
        AssertClose("y", got, ConvolutionCases.ForwardOnBackend(reference, Shape, activation: null), ConvolutionCases.ForwardTolerance(Shape));
        Assert.Equal(got.AsSpan(0, gotSmall.Length).ToArray(), gotSmall);
        Assert.Empty(backend.ValidationMessages);
    }

    /// <summary>
    /// A small convolutional net's step (two convolutions of different sizes, so the scratch buffer grows during the
    /// first step, max-pooling, dropout, all the gradients, Adadelta) records without allocating once warm, and the host
    /// waits once per step, where the step asks it to.
    /// </summary>
    [SkippableFact]
    public void A_steady_state_step_of_the_convolutional_ops_allocates_nothing_and_waits_once()
    {
        using var backend = VulkanAvailability.CreateValidated();
        var first = new Conv2dShape(Batch: 2, InChannels: 1, Height: 10, Width: 10, OutChannels: 4, KernelHeight: 3, KernelWidth: 3, Stride: 1, Padding: 0);
        var second = new Conv2dShape(Batch: 2, InChannels: 4, Height: 8, Width: 8, OutChannels: 8, KernelHeight: 3, KernelWidth: 3, Stride: 1, Padding: 1);
        var pool = new Pool2dShape(Batch: 2, Channels: 8, Height: 8, Width: 8, Kernel: 2, Stride: 2);
        using var x = backend.Allocate<float>((int)first.InputLength);
        using var hidden = backend.Allocate<float>((int)first.OutputLength);
        using var dHidden = backend.Allocate<float>((int)first.OutputLength);
        using var features = backend.Allocate<float>((int)second.OutputLength);
        using var pooled = backend.Allocate<float>((int)pool.OutputLength);
        using var argmax = backend.Allocate<int>((int)pool.OutputLength);
        using var dFeatures = backend.Allocate<float>((int)second.OutputLength);
        using var dX = backend.Allocate<float>((int)first.InputLength);
        // The weights and biases of both convolutions as aligned views of one parameter buffer and one gradient buffer.
        int[] lengths = [(int)first.WeightLength, first.OutChannels, (int)second.WeightLength, second.OutChannels];
        var offsets = new int[lengths.Length];
        var parameterCount = 0;
        for (var i = 0; i < lengths.Length; i++)
        {
            offsets[i] = parameterCount;
            parameterCount += (lengths[i] + backend.ViewAlignment - 1) / backend.ViewAlignment * backend.ViewAlignment;
        }
        using var parameters = backend.Allocate<float>(parameterCount);
        using var gradients = backend.Allocate<float>(parameterCount);
        using var squareAverage = backend.Allocate<float>(parameterCount);
        using var deltaAverage = backend.Allocate<float>(parameterCount);
        var views = new DeviceBuffer<float>[2 * lengths.Length];
        for (var i = 0; i < lengths.Length; i++)
        {
            views[i] = backend.Slice(parameters, offsets[i], lengths[i]);
            views[i + lengths.Length] = backend.Slice(gradients, offsets[i], lengths[i]);
        }
        var step = 0u;

        void Step()
        {
            var dropout = new DropoutStep(0.25f, Seed: 5, Stream: 1, Step: step++);
            backend.Conv2dForward(x, views[0], views[1], hidden, first, Activation.Relu);
            backend.Conv2dForward(hidden, views[2], views[3], features, second, Activation.Relu);
            backend.MaxPool2dForward(features, pooled, argmax, pool);
            backend.DropoutForward(pooled, pooled, (int)pool.OutputLength, dropout);
            backend.DropoutBackward(pooled, pooled, (int)pool.OutputLength, dropout);
            backend.MaxPool2dBackward(pooled, argmax, dFeatures, pool);
            backend.Conv2dBackwardWeight(dFeatures, hidden, views[6], views[7], second);
            backend.Conv2dBackwardInput(dFeatures, views[2], dHidden, second);
            backend.Conv2dBackwardWeight(dHidden, x, views[4], views[5], first);
            backend.Conv2dBackwardInput(dHidden, views[0], dX, first);
            backend.AdadeltaUpdate(parameters, gradients, squareAverage, deltaAverage, parameterCount, new AdadeltaStep(1f, 0.9f, 1e-6f, 0f));
            backend.Synchronize();
        }

        Step();
        var hostWaits = backend.HostWaits;
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 10; i++)
        {
            Step();
        }
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.True(allocated == 0, $"ten steps allocated {allocated} bytes");
        Assert.Equal(10, backend.HostWaits - hostWaits);
        Assert.Empty(backend.ValidationMessages);
    }

    /// <summary>Forward: im2col and one batched GEMM (bias and activation in its epilogue); input gradient: GEMM and col2im; weight gradient: im2col, GEMM and the sum.</summary>
    [SkippableFact]
    public void A_convolution_of_one_chunk_is_two_dispatches_and_each_gradient_two_or_three()
    {
        using var backend = VulkanAvailability.CreateValidated();
        using var x = backend.Allocate<float>((int)Shape.InputLength);
        using var weight = backend.Allocate<float>((int)Shape.WeightLength);
        using var bias = backend.Allocate<float>(Shape.OutChannels);
        using var y = backend.Allocate<float>((int)Shape.OutputLength);
        using var dX = backend.Allocate<float>((int)Shape.InputLength);
        using var dWeight = backend.Allocate<float>((int)Shape.WeightLength);
        using var dBias = backend.Allocate<float>(Shape.OutChannels);

        var before = backend.Dispatches;
        backend.Conv2dForward(x, weight, bias, y, Shape, Activation.Relu);
        var forward = backend.Dispatches - before;
        before = backend.Dispatches;
        backend.Conv2dBackwardInput(y, weight, dX, Shape);
        var inputGradient = backend.Dispatches - before;
        before = backend.Dispatches;
        backend.Conv2dBackwardWeight(y, x, dWeight, dBias, Shape);
        var weightGradient = backend.Dispatches - before;
        backend.Synchronize();

        Assert.Equal((2, 2, 3), (forward, inputGradient, weightGradient));
        Assert.Empty(backend.ValidationMessages);
    }

    /// <summary>Within the conformance tolerance of the reference backend's result (computed in double, rounded to float).</summary>
    private static void AssertClose(string what, float[] got, float[] expected, Tolerance tolerance)
    {
        Assert.Equal(expected.Length, got.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(got[i] - (double)expected[i]) <= tolerance.BoundFor(expected[i]), $"{what}[{i}] = {got[i]}, expected {expected[i]}");
        }
    }
}
