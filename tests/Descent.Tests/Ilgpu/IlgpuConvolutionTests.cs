using Descent.Kernels;
using Descent.Kernels.Ilgpu;
using Xunit;

namespace Descent.Tests.Ilgpu;

/// <summary>
/// The ILGPU backend's convolutional ops on the CPU accelerator against plain loops written here from the
/// ops' definitions, with double sums; and what only this backend has: batches convolved in slices when the
/// scratch matrix would pass its limit. Shapes are small and no tile divides them.
/// </summary>
public sealed class IlgpuConvolutionTests : IDisposable
{
    private readonly IlgpuBackend backend = IlgpuBackend.CreateCpu();

    public void Dispose() => backend.Dispose();

    public static TheoryData<Conv2dShape> Convolutions() => new(
        new Conv2dShape(Batch: 2, InChannels: 3, Height: 7, Width: 6, OutChannels: 5, KernelHeight: 3, KernelWidth: 2, Stride: 2,
            Padding: 1),
        new Conv2dShape(Batch: 3, InChannels: 2, Height: 5, Width: 5, OutChannels: 3, KernelHeight: 3, KernelWidth: 3, Stride: 1,
            Padding: 0),
        new Conv2dShape(Batch: 1, InChannels: 1, Height: 4, Width: 3, OutChannels: 2, KernelHeight: 1, KernelWidth: 1, Stride: 1,
            Padding: 2));

    [Theory]
    [MemberData(nameof(Convolutions))]
    public void Conv2dForwardMatchesPlainLoops(Conv2dShape shape)
    {
        var x = Values(shape.InputLength, 0.31f);
        var weight = Values(shape.WeightLength, 0.77f);
        var bias = Values(shape.OutChannels, 1.3f);

        AssertClose(ConvolveForward(shape, x, weight, bias, relu: true), RunForward(shape, x, weight, bias, Activation.Relu));
        AssertClose(ConvolveForward(shape, x, weight, bias, relu: false), RunForward(shape, x, weight, bias, null));
    }

    [Theory]
    [MemberData(nameof(Convolutions))]
    public void Conv2dBackwardsMatchPlainLoops(Conv2dShape shape)
    {
        var x = Values(shape.InputLength, 0.41f);
        var weight = Values(shape.WeightLength, 0.53f);
        var dY = Values(shape.OutputLength, 0.97f);
        var (expectedDx, expectedDw, expectedDBias) = ConvolveBackward(shape, x, weight, dY);

        var (dX, dW, dBias) = RunBackward(shape, x, weight, dY);

        AssertClose(expectedDx, dX);
        AssertClose(expectedDw, dW);
        AssertClose(expectedDBias, dBias);
    }

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

    [Theory]
    [InlineData(2, 2)]
    [InlineData(3, 2)]
    [InlineData(2, 3)]
    public void MaxPoolMatchesPlainLoopsWithTiesToTheFirst(int kernel, int stride)
    {
        var shape = new Pool2dShape(Batch: 2, Channels: 3, Height: 7, Width: 8, Kernel: kernel, Stride: stride);
        // Few distinct values, so windows hold ties.
        var x = Enumerable.Range(0, (int)shape.InputLength).Select(i => (float)(i * 7 % 5)).ToArray();
        x[9] = float.NaN;
        var dY = Values(shape.OutputLength, 0.71f);
        var (expectedY, expectedArgmax) = PoolForward(shape, x);

        using var xBuffer = Upload(x);
        using var y = backend.Allocate<float>((int)shape.OutputLength);
        using var argmax = backend.Allocate<int>((int)shape.OutputLength);
        using var dYBuffer = Upload(dY);
        using var dX = backend.Allocate<float>((int)shape.InputLength);
        backend.MaxPool2dForward(xBuffer, y, argmax, shape);
        backend.MaxPool2dBackward(dYBuffer, argmax, dX, shape);

        Assert.Equal(expectedY, Download(y));
        Assert.Equal(expectedArgmax, Download(argmax));
        var expectedDx = new double[shape.InputLength];
        var planeInput = shape.Height * shape.Width;
        var planeOutput = shape.OutHeight * shape.OutWidth;
        for (var i = 0; i < expectedArgmax.Length; i++)
        {
            expectedDx[i / planeOutput * planeInput + expectedArgmax[i]] += dY[i];
        }
        AssertClose(expectedDx.Select(value => (float)value).ToArray(), Download(dX));
    }

    [Fact]
    public void DropoutKeepsWhatTheMaskKeepsForwardAndBackward()
    {
        const int count = 1000;
        var step = new DropoutStep(Probability: 0.3f, Seed: 42, Stream: 2, Step: 7);
        var x = Values(count, 0.19f);
        using var buffer = Upload(x);
        using var y = backend.Allocate<float>(count);

        backend.DropoutForward(buffer, y, count, step);
        var forward = Download(y);
        // In place, as the backward of the same step: the same mask.
        backend.DropoutBackward(buffer, buffer, count, step);
        var backward = Download(buffer);

        var expected = Enumerable.Range(0, count).Select(i => DropoutMask.Keep((uint)i, step) ? x[i] * step.KeptScale : 0f).ToArray();
        Assert.Equal(expected, forward);
        Assert.Equal(expected, backward);
        var dropped = expected.Count(value => value == 0f);
        Assert.InRange(dropped, 230, 370);
    }

    [Fact]
    public void AdadeltaMatchesItsDefinition()
    {
        const int count = 37;
        var step = new AdadeltaStep(LearningRate: 1f, Rho: 0.9f, Epsilon: 1e-6f, WeightDecay: 0.01f);
        var parameters = Values(count, 0.3f);
        var gradients = Values(count, 0.8f);
        var square = Values(count, 0.5f).Select(MathF.Abs).ToArray();
        var deltas = Values(count, 0.6f).Select(MathF.Abs).ToArray();
        using var parameterBuffer = Upload(parameters);
        using var gradientBuffer = Upload(gradients);
        using var squareBuffer = Upload(square);
        using var deltaBuffer = Upload(deltas);

        backend.AdadeltaUpdate(parameterBuffer, gradientBuffer, squareBuffer, deltaBuffer, count, step);

        for (var i = 0; i < count; i++)
        {
            var g = gradients[i] + step.WeightDecay * parameters[i];
            square[i] = step.Rho * square[i] + (1f - step.Rho) * g * g;
            var delta = MathF.Sqrt(deltas[i] + step.Epsilon) / MathF.Sqrt(square[i] + step.Epsilon) * g;
            deltas[i] = step.Rho * deltas[i] + (1f - step.Rho) * delta * delta;
            parameters[i] -= step.LearningRate * delta;
        }
        AssertClose(parameters, Download(parameterBuffer));
        AssertClose(square, Download(squareBuffer));
        AssertClose(deltas, Download(deltaBuffer));
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

    /// <summary>The forward pass from its definition, summed in double.</summary>
    private static float[] ConvolveForward(Conv2dShape shape, float[] x, float[] weight, float[] bias, bool relu)
    {
        var y = new float[shape.OutputLength];
        foreach (var (n, k, p, q) in Outputs(shape))
        {
            double sum = bias[k];
            foreach (var (c, r, s, input) in Reads(shape, n, p, q))
            {
                sum += (double)x[input] * weight[((k * shape.InChannels + c) * shape.KernelHeight + r) * shape.KernelWidth + s];
            }
            y[OutputIndex(shape, n, k, p, q)] = relu && sum < 0 ? 0f : (float)sum;
        }
        return y;
    }

    /// <summary>Both gradients from the definition: every product of the forward pass scattered back, summed in double.</summary>
    private static (float[] DX, float[] DW, float[] DBias) ConvolveBackward(Conv2dShape shape, float[] x, float[] weight, float[] dY)
    {
        var dX = new double[shape.InputLength];
        var dW = new double[shape.WeightLength];
        var dBias = new double[shape.OutChannels];
        foreach (var (n, k, p, q) in Outputs(shape))
        {
            var gradient = (double)dY[OutputIndex(shape, n, k, p, q)];
            dBias[k] += gradient;
            foreach (var (c, r, s, input) in Reads(shape, n, p, q))
            {
                var w = ((k * shape.InChannels + c) * shape.KernelHeight + r) * shape.KernelWidth + s;
                dX[input] += gradient * weight[w];
                dW[w] += gradient * x[input];
            }
        }
        return (ToFloats(dX), ToFloats(dW), ToFloats(dBias));
    }

    private static IEnumerable<(int N, int K, int P, int Q)> Outputs(Conv2dShape shape) =>
        from n in Enumerable.Range(0, shape.Batch)
        from k in Enumerable.Range(0, shape.OutChannels)
        from p in Enumerable.Range(0, shape.OutHeight)
        from q in Enumerable.Range(0, shape.OutWidth)
        select (n, k, p, q);

    /// <summary>The inputs output (n, ., p, q) reads, inside x: channel, kernel offsets and x's index.</summary>
    private static IEnumerable<(int C, int R, int S, int Input)> Reads(Conv2dShape shape, int n, int p, int q) =>
        from c in Enumerable.Range(0, shape.InChannels)
        from r in Enumerable.Range(0, shape.KernelHeight)
        from s in Enumerable.Range(0, shape.KernelWidth)
        let h = p * shape.Stride - shape.Padding + r
        let w = q * shape.Stride - shape.Padding + s
        where h >= 0 && h < shape.Height && w >= 0 && w < shape.Width
        select (c, r, s, ((n * shape.InChannels + c) * shape.Height + h) * shape.Width + w);

    private static int OutputIndex(Conv2dShape shape, int n, int k, int p, int q) =>
        ((n * shape.OutChannels + k) * shape.OutHeight + p) * shape.OutWidth + q;

    /// <summary>Max-pooling from its definition: the first maximum in row-major order, the first NaN over any number.</summary>
    private static (float[] Y, int[] Argmax) PoolForward(Pool2dShape shape, float[] x)
    {
        var y = new float[shape.OutputLength];
        var argmax = new int[shape.OutputLength];
        var output = 0;
        for (var plane = 0; plane < shape.Batch * shape.Channels; plane++)
        {
            for (var p = 0; p < shape.OutHeight; p++)
            {
                for (var q = 0; q < shape.OutWidth; q++, output++)
                {
                    var best = -1;
                    for (var r = 0; r < shape.Kernel; r++)
                    {
                        for (var s = 0; s < shape.Kernel; s++)
                        {
                            var position = (p * shape.Stride + r) * shape.Width + q * shape.Stride + s;
                            var value = x[plane * shape.Height * shape.Width + position];
                            var bestValue = best < 0 ? 0f : x[plane * shape.Height * shape.Width + best];
                            if (best < 0 || value > bestValue || (float.IsNaN(value) && !float.IsNaN(bestValue)))
                            {
                                best = position;
                            }
                        }
                    }
                    argmax[output] = best;
                    y[output] = x[plane * shape.Height * shape.Width + best];
                }
            }
        }
        return (y, argmax);
    }

    private static float[] ToFloats(double[] values) => values.Select(value => (float)value).ToArray();

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
