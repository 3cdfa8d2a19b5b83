using Descent.Kernels;
using Descent.Kernels.Reference;
using Xunit;

namespace Descent.Tests.Conformance;

/// <summary>
/// Every op checks its sizes before launching anything, so a buffer one element short is an
/// InvalidInputException, never an out-of-bounds access on a device.
/// </summary>
public sealed class UndersizedBufferTests : IDisposable
{
    private readonly ReferenceBackend backend = new();

    public void Dispose() => backend.Dispose();

    [Fact]
    public void Gemm_rejects_a_c_one_element_short()
    {
        using var a = backend.Allocate<float>(6);
        using var b = backend.Allocate<float>(12);
        using var c = backend.Allocate<float>(7);

        Assert.Throws<InvalidInputException>(() => backend.Gemm(false, false, 2, 4, 3, 1f, a, b, 0f, c));
    }

    [Fact]
    public void Gemm_rejects_an_a_one_element_short()
    {
        using var a = backend.Allocate<float>(5);
        using var b = backend.Allocate<float>(12);
        using var c = backend.Allocate<float>(8);

        Assert.Throws<InvalidInputException>(() => backend.Gemm(true, false, 2, 4, 3, 1f, a, b, 0f, c));
    }

    [Fact]
    public void Bias_ops_reject_a_bias_shorter_than_a_row()
    {
        using var y = backend.Allocate<float>(12);
        using var bias = backend.Allocate<float>(3);

        Assert.Throws<InvalidInputException>(() => backend.BiasAdd(y, bias, 3, 4));
        Assert.Throws<InvalidInputException>(() => backend.BiasBackward(y, bias, 3, 4, 0f));
    }

    [Fact]
    public void Activations_reject_a_count_beyond_their_buffers()
    {
        using var x = backend.Allocate<float>(10);
        using var shortY = backend.Allocate<float>(9);

        Assert.Throws<InvalidInputException>(() => backend.ActivationForward(Activation.Relu, x, shortY, 10));
        Assert.Throws<InvalidInputException>(() => backend.ActivationBackward(Activation.Tanh, x, shortY, x, 10));
    }

    [Fact]
    public void Add_rejects_a_count_beyond_any_of_its_buffers()
    {
        using var a = backend.Allocate<float>(10);
        using var shortB = backend.Allocate<float>(9);

        Assert.Throws<InvalidInputException>(() => backend.Add(a, shortB, a, 10));
        Assert.Throws<InvalidInputException>(() => backend.Add(shortB, a, a, 10));
        Assert.Throws<InvalidInputException>(() => backend.Add(a, a, shortB, 10));
        Assert.Throws<InvalidInputException>(() => backend.Add(a, a, a, 0));
    }

    [Fact]
    public void Add_writes_over_an_input_exactly_or_apart_but_not_over_part_of_one()
    {
        using var buffer = backend.Allocate<float>(64);
        var first = backend.Slice(buffer, 0, 32);
        var second = backend.Slice(buffer, 16, 32);
        var third = backend.Slice(buffer, 32, 32);

        Assert.Throws<InvalidInputException>(() => backend.Add(first, third, second, 20));
        Assert.Throws<InvalidInputException>(() => backend.Add(third, first, second, 20));
        backend.Add(first, second, first, 16);
        backend.Add(first, third, third, 32);
        backend.Add(first, second, backend.Slice(buffer, 0, 16), 16);
    }

    [Fact]
    public void Losses_reject_short_row_stats_short_labels_and_a_slot_past_the_end()
    {
        using var logits = backend.Allocate<float>(20);
        using var labels = backend.Allocate<int>(2);
        using var shortLabels = backend.Allocate<int>(1);
        using var rowStats = backend.Allocate<float>(4);
        using var shortRowStats = backend.Allocate<float>(3);
        using var metrics = backend.Allocate<float>(2 * MetricSlot.Width);

        Assert.Throws<InvalidInputException>(() => backend.SoftmaxCrossEntropy(logits, labels, logits, shortRowStats, metrics, 0, 2, 10));
        Assert.Throws<InvalidInputException>(() => backend.SoftmaxCrossEntropy(logits, shortLabels, logits, rowStats, metrics, 0, 2, 10));
        Assert.Throws<InvalidInputException>(() => backend.SoftmaxCrossEntropy(logits, labels, logits, rowStats, metrics, 2, 2, 10));
        Assert.Throws<InvalidInputException>(() =>
            backend.BinaryLossForwardBackward(BinaryLoss.Mnist, logits, shortLabels, logits, rowStats, metrics, 0, 2));
    }

    [Fact]
    public void Optimizers_reject_state_shorter_than_the_parameters()
    {
        using var parameters = backend.Allocate<float>(8);
        using var shortState = backend.Allocate<float>(7);

        Assert.Throws<InvalidInputException>(() => backend.SgdUpdate(parameters, parameters, shortState, 8, 0.1f, 0.9f, 0f, false));
        Assert.Throws<InvalidInputException>(() => backend.AdamWUpdate(parameters, parameters, parameters, shortState, 8,
            new AdamWStep(0.01f, 0.9f, 0.999f, 1e-8f, 0f, 0.1f, 0.001f)));
    }

    [Fact]
    public void Gather_rejects_an_order_range_past_the_end_and_short_inputs()
    {
        using var pixels = backend.Allocate<byte>(12);
        using var labels = backend.Allocate<int>(3);
        using var order = backend.Allocate<int>(3);
        using var inputs = backend.Allocate<float>(8);
        using var shortInputs = backend.Allocate<float>(7);
        using var batchLabels = backend.Allocate<int>(2);
        using var scaleShift = backend.Allocate<float>(2);
        using var twoChannelScaleShift = backend.Allocate<float>(4);

        Assert.Throws<InvalidInputException>(() =>
            backend.GatherBatch(pixels, labels, order, 2, 2, 4, scaleShift, 1, inputs, batchLabels));
        Assert.Throws<InvalidInputException>(() =>
            backend.GatherBatch(pixels, labels, order, 0, 2, 4, scaleShift, 1, shortInputs, batchLabels));
        // Two channels need four values, and four features do not split into three equal planes.
        Assert.Throws<InvalidInputException>(() =>
            backend.GatherBatch(pixels, labels, order, 0, 2, 4, scaleShift, 2, inputs, batchLabels));
        Assert.Throws<InvalidInputException>(() =>
            backend.GatherBatch(pixels, labels, order, 0, 2, 4, twoChannelScaleShift, 3, inputs, batchLabels));
    }

    [Fact]
    public void Upload_download_and_fill_reject_ranges_past_the_end()
    {
        using var buffer = backend.Allocate<float>(4);

        Assert.Throws<InvalidInputException>(() => backend.Upload<float>(buffer, new float[5]));
        Assert.Throws<InvalidInputException>(() => backend.Download<float>(buffer, new float[2], offset: 3));
        Assert.Throws<InvalidInputException>(() => backend.Fill(buffer, 1f, 2, 3));
    }

    [Fact]
    public void A_view_must_lie_inside_its_buffer_start_aligned_and_hold_an_element()
    {
        using var buffer = backend.Allocate<float>(64);

        Assert.Throws<InvalidInputException>(() => backend.Slice(buffer, 48, 17));
        Assert.Throws<InvalidInputException>(() => backend.Slice(buffer, 8, 4));
        Assert.Throws<InvalidInputException>(() => backend.Slice(buffer, 16, 0));
        Assert.Throws<InvalidInputException>(() => backend.Slice(buffer, -16, 4));
        var view = backend.Slice(buffer, 16, 32);
        Assert.Throws<InvalidInputException>(() => backend.Slice(view, 16, 17));
        Assert.Equal(32, backend.Slice(view, 16, 16).Offset);
    }

    [Fact]
    public void An_op_on_a_view_checks_the_view_length_not_the_buffer_length()
    {
        using var buffer = backend.Allocate<float>(64);
        var view = backend.Slice(buffer, 16, 8);

        Assert.Throws<InvalidInputException>(() => backend.ActivationForward(Activation.Relu, view, view, 9));
        Assert.Throws<InvalidInputException>(() => backend.Upload<float>(view, new float[9]));
    }

    [Fact]
    public void A_view_of_a_disposed_buffer_is_refused()
    {
        var buffer = backend.Allocate<float>(32);
        var view = backend.Slice(buffer, 16, 16);
        buffer.Dispose();

        Assert.True(view.IsDisposed);
        Assert.Throws<ObjectDisposedException>(() => backend.Fill(view, 1f, 0, 16));
    }
}
