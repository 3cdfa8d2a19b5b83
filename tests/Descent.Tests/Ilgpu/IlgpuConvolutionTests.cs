using Descent.Kernels;
using Descent.Kernels.Ilgpu;
using Xunit;

namespace Descent.Tests.Ilgpu;

/// <summary>
/// What only the ILGPU backend's convolution has, beyond the conformance suite: batches convolved in slices
/// when the scratch matrix would pass its limit, and a sample too large for it refused.
/// </summary>
public sealed class IlgpuConvolutionTests : IDisposable
{
    private readonly IlgpuBackend backend = IlgpuBackend.CreateCpu();

    public void Dispose() => backend.Dispose();

    /// <summary>
    /// A batch whose scratch matrix passes the limit runs in slices of whole samples (here three slices of 2, 2
    /// and 1), and gives what one pass gives: the same sums in the same order, so the same bits.
    /// </summary>
    [Fact]
    public void SlicedBatchesGiveTheSameBitsAsOnePass()
    {
        var shape = new Conv2dShape(Batch: 5, InChannels: 2, Height: 6, Width: 5, OutChannels: 3, KernelHeight: 3, KernelWidth: 3,
            Stride: 1, Padding: 1);
        var x = Values(shape.InputLength, 0.23f);
        var weight = Values(shape.WeightLength, 0.61f);
        var bias = Values(shape.OutChannels, 0.9f);
        var dY = Values(shape.OutputLength, 0.37f);
        var whole = RunForward(shape, x, weight, bias, Activation.Tanh);
        var wholeBackward = RunBackward(shape, x, weight, dY);

        // Two samples' column matrix: 2 * 6 * 5 * (2 * 3 * 3) floats.
        backend.MaxColumnElements = 2 * 6 * 5 * 18;
        var sliced = RunForward(shape, x, weight, bias, Activation.Tanh);
        var slicedBackward = RunBackward(shape, x, weight, dY);

        Assert.Equal(whole, sliced);
        Assert.Equal(wholeBackward.DX, slicedBackward.DX);
        // dW and dBias add the slices one after another onto the first; the GEMM sums a slice's rows first, so
        // the bits may differ from one pass: compare as numbers.
        AssertClose(wholeBackward.DW, slicedBackward.DW);
        AssertClose(wholeBackward.DBias, slicedBackward.DBias);
    }

    [Fact]
    public void AConvolutionWhoseOneSampleExceedsTheScratchLimitIsRefused()
    {
        var shape = new Conv2dShape(1, 2, 6, 5, 3, 3, 3, 1, 1);
        using var x = backend.Allocate<float>((int)shape.InputLength);
        using var weight = backend.Allocate<float>((int)shape.WeightLength);
        using var bias = backend.Allocate<float>(shape.OutChannels);
        using var y = backend.Allocate<float>((int)shape.OutputLength);
        backend.MaxColumnElements = 100;

        Assert.Throws<InvalidInputException>(() => backend.Conv2dForward(x, weight, bias, y, shape, null));
    }

    private float[] RunForward(Conv2dShape shape, float[] x, float[] weight, float[] bias, Activation? activation)
    {
        using var xBuffer = Upload(x);
        using var weightBuffer = Upload(weight);
        using var biasBuffer = Upload(bias);
        using var y = backend.Allocate<float>((int)shape.OutputLength);
        backend.Fill(y, float.NaN, 0, y.Length);
        backend.Conv2dForward(xBuffer, weightBuffer, biasBuffer, y, shape, activation);
        return Download(y);
    }

    private (float[] DX, float[] DW, float[] DBias) RunBackward(Conv2dShape shape, float[] x, float[] weight, float[] dY)
    {
        using var xBuffer = Upload(x);
        using var weightBuffer = Upload(weight);
        using var dYBuffer = Upload(dY);
        using var dX = backend.Allocate<float>((int)shape.InputLength);
        using var dW = backend.Allocate<float>((int)shape.WeightLength);
        using var dBias = backend.Allocate<float>(shape.OutChannels);
        // Stale contents must not leak in: every output is overwritten.
        backend.Fill(dX, float.NaN, 0, dX.Length);
        backend.Fill(dW, float.NaN, 0, dW.Length);
        backend.Fill(dBias, float.NaN, 0, dBias.Length);
        backend.Conv2dBackwardInput(dYBuffer, weightBuffer, dX, shape);
        backend.Conv2dBackwardWeight(dYBuffer, xBuffer, dW, dBias, shape);
        return (Download(dX), Download(dW), Download(dBias));
    }

    /// <summary>Seeded values in [-1, 1], different for each <paramref name="phase"/>.</summary>
    private static float[] Values(long count, float phase) =>
        Enumerable.Range(0, (int)count).Select(i => MathF.Sin(i * 1.618f + phase * 10f)).ToArray();

    private static void AssertClose(float[] expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            var tolerance = 1e-5f + 1e-5f * MathF.Abs(expected[i]);
            Assert.True(MathF.Abs(expected[i] - actual[i]) <= tolerance, $"element {i}: expected {expected[i]}, got {actual[i]}");
        }
    }

    private DeviceBuffer<float> Upload(float[] values)
    {
        var buffer = backend.Allocate<float>(values.Length);
        backend.Upload<float>(buffer, values);
        return buffer;
    }

    private T[] Download<T>(DeviceBuffer<T> buffer) where T : unmanaged
    {
        var values = new T[buffer.Length];
        backend.Download(buffer, values);
        return values;
    }
}
