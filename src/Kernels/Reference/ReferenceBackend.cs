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

/// <summary>
/// Every op of <see cref="ComputeBackend"/> again, as plain single-threaded loops over double arrays
/// that accumulate in double: the ground truth the conformance suite holds backends to, and the
/// forward that finite differences run through. Nothing here is clever, so each line can be checked by eye.
/// <para>
/// Conventions (llm.c's): outputs come first, then inputs; each backward sits under its forward and
/// takes the gradients first, then what the forward saw. The exact semantics are those documented
/// on <see cref="ComputeBackend"/>; where it leaves a value open, the choice made here is said.
/// </para>
/// Storage is row-major. Shape legend: M, N, K are GEMM sizes (C is M x N, the inner size is K);
/// B is the rows of a batch; C the columns (features or classes) of a row; N an element count.
/// </summary>
public static partial class ReferenceMath
{
    // ---------------------------------------------------------------- memory

    /// <summary>buffer[offset .. offset+count) = value.</summary>
    public static void Fill(double[] buffer, double value, int offset, int count)
    {
        for (var i = offset; i < offset + count; i++)
        {
            buffer[i] = value;
        }
    }
}
