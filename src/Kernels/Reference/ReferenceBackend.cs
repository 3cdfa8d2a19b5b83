namespace Descent.Kernels.Reference;

/// <summary>
/// <see cref="ReferenceMath"/> as a backend: buffers are host arrays, and every op widens its float
/// inputs to double, runs the reference loop, and stores the results as float. Each op has finished
/// when its call returns, so there is nothing to synchronise.
/// <para>
/// Not sealed, with its ops protected virtual, so that a test can break one op on purpose and see the
/// conformance suite catch it.
/// </para>
/// </summary>
public partial class ReferenceBackend : ComputeBackend
{
    public override string Name => "reference";

    public override string DeviceDescription => "CPU reference (double accumulation, single thread)";

    /// <summary>One plain loop in double.</summary>
    public override IReadOnlyList<GemmAlgorithm> GemmAlgorithms { get; } = [GemmAlgorithm.Naive];

    /// <summary>A buffer is one .NET array.</summary>
    public override int MaxBufferElements => Array.MaxLength;

    /// <summary>Buffers are arrays in this process: they take the machine's memory.</summary>
    public override MemoryCapacity Memory => MemoryCapacity.Host();

    /// <summary>The host memory behind a buffer of this backend (a view's part of its root), for subclasses that alter an op's result.</summary>
    protected static Span<T> HostElements<T>(DeviceBuffer<T> buffer) where T : unmanaged =>
        ((ReferenceBuffer<T>)buffer.Root).Elements.AsSpan(buffer.Offset, buffer.Length);

    // ---------------------------------------------------------------- memory

    protected override DeviceBuffer<T> AllocateCore<T>(int length) => new ReferenceBuffer<T>(this, length);

    protected override void UploadCore<T>(DeviceBuffer<T> destination, ReadOnlySpan<T> source, int offset) =>
        source.CopyTo(HostElements(destination)[offset..]);

    protected override void DownloadCore<T>(DeviceBuffer<T> source, Span<T> destination, int offset) =>
        HostElements(source).Slice(offset, destination.Length).CopyTo(destination);

    // Every op runs to completion inside its call: nothing is ever queued.
    protected override void SynchronizeCore()
    {
    }

    protected override void FillCore(DeviceBuffer<float> buffer, float value, int offset, int count)
    {
        var values = Widen(buffer, buffer.Length);
        ReferenceMath.Fill(values, value, offset, count);
        Store(values, buffer);
    }

    // ---------------------------------------------------------------- GEMM

    protected override void GemmCore(bool transposeA, bool transposeB, int m, int n, int k, float alpha,
        DeviceBuffer<float> a, DeviceBuffer<float> b, float beta, DeviceBuffer<float> c, GemmAlgorithm algorithm)
    {
        var result = Widen(c, m * n);
        ReferenceMath.Gemm(result, Widen(a, m * k), Widen(b, k * n), m, n, k, transposeA, transposeB, alpha, beta);
        Store(result, c);
    }

    // ---------------------------------------------------------------- bias

    protected override void BiasAddCore(DeviceBuffer<float> y, DeviceBuffer<float> bias, int rows, int cols)
    {
        var result = Widen(y, rows * cols);
        ReferenceMath.BiasAdd(result, Widen(bias, cols), rows, cols);
        Store(result, y);
    }

    protected override void BiasBackwardCore(DeviceBuffer<float> dY, DeviceBuffer<float> dBias, int rows, int cols, float beta)
    {
        var result = Widen(dBias, cols);
        ReferenceMath.BiasBackward(result, Widen(dY, rows * cols), rows, cols, beta);
        Store(result, dBias);
    }

    // ---------------------------------------------------------------- activations

    protected override void ActivationForwardCore(Activation activation, DeviceBuffer<float> x, DeviceBuffer<float> y, int count)
    {
        var result = new double[count];
        ReferenceMath.ActivationForward(activation, result, Widen(x, count), count);
        Store(result, y);
    }

    protected override void ActivationBackwardCore(Activation activation, DeviceBuffer<float> dY, DeviceBuffer<float> y,
        DeviceBuffer<float> dX, int count)
    {
        var result = new double[count];
        ReferenceMath.ActivationBackward(activation, result, Widen(dY, count), Widen(y, count), count);
        Store(result, dX);
    }

    // ---------------------------------------------------------------- data

    protected override void GatherBatchCore(DeviceBuffer<byte> pixels, DeviceBuffer<int> labels, DeviceBuffer<int> order, int start,
        int count, int features, DeviceBuffer<float> channelScaleShift, int channels, int planeSize, DeviceBuffer<float> inputs,
        DeviceBuffer<int> batchLabels)
    {
        var inputValues = new double[count * features];
        var labelValues = new int[count];
        var scaleShift = Widen(channelScaleShift, 2 * channels);
        ReferenceMath.GatherBatch(inputValues, labelValues, HostElements(pixels).ToArray(), HostElements(labels).ToArray(), HostElements(order).ToArray(),
            start, count, features, scaleShift[..channels], scaleShift[channels..]);
        Store(inputValues, inputs);
        labelValues.CopyTo(HostElements(batchLabels));
    }

    // ---------------------------------------------------------------- lifetime

    // Buffers are host arrays that the garbage collector reclaims; the backend itself holds nothing.
    protected override void DisposeCore()
    {
    }

    // ---------------------------------------------------------------- float <-> double

    /// <summary>The first <paramref name="count"/> elements as doubles (a copy, so an op may write to a buffer it reads).</summary>
    private static double[] Widen(DeviceBuffer<float> buffer, int count)
    {
        var source = HostElements(buffer);
        var values = new double[count];
        for (var i = 0; i < count; i++)
        {
            values[i] = source[i];
        }
        return values;
    }

    /// <summary>Rounds <paramref name="values"/> to float into the buffer from <paramref name="offset"/>.</summary>
    private static void Store(ReadOnlySpan<double> values, DeviceBuffer<float> buffer, int offset = 0)
    {
        var destination = HostElements(buffer);
        for (var i = 0; i < values.Length; i++)
        {
            destination[offset + i] = (float)values[i];
        }
    }
}
