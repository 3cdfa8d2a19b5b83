namespace Descent.Kernels;

/// <summary>
/// The one interface every backend implements and the engine talks to.
/// <para>
/// Execution model: ops are queued in call order; <see cref="Upload{T}"/> copies the caller's data
/// before it returns; <see cref="Download{T}"/> and <see cref="Synchronize"/> wait for everything
/// queued. A backend may batch queued work until someone waits.
/// </para>
/// <para>
/// Every public method validates its sizes against the buffers before anything is launched, so a bad
/// call is an <see cref="InvalidInputException"/> and never an out-of-bounds access on the device
/// (which aborts the whole process on ILGPU's CPU accelerator). Backends implement the protected
/// <c>...Core</c> methods and may assume valid arguments.
/// </para>
/// Storage is row-major. Shape legend: M, N, K are GEMM sizes (C is M x N, the inner size is K);
/// B is the rows of a batch; C the columns (features or classes) of a row.
/// </summary>
public abstract partial class ComputeBackend : IDisposable
{
    private bool disposed;

    /// <summary>Short backend name as the command line spells it, e.g. "ilgpu-cpu".</summary>
    public abstract string Name { get; }

    /// <summary>Human-readable device name and size.</summary>
    public abstract string DeviceDescription { get; }

    /// <summary>
    /// The most bytes one buffer may hold on this device, so a caller can size its batches to fit before
    /// allocating (a Vulkan shader binds at most maxStorageBufferRange bytes: 128 MiB on lavapipe).
    /// </summary>
    public virtual long MaxBufferBytes => long.MaxValue;

    /// <summary>
    /// The most elements one buffer may hold: lengths are ints, and a backend whose buffers are .NET
    /// arrays holds a little fewer (<see cref="Array.MaxLength"/>).
    /// </summary>
    public virtual int MaxBufferElements => int.MaxValue;

    /// <summary>The memory this device's buffers can take in all, read when asked (a machine's available memory changes).</summary>
    public abstract MemoryCapacity Memory { get; }

    /// <summary>
    /// The GEMM kernels this backend has, each of which <see cref="Gemm"/> runs when asked by name;
    /// every backend has <see cref="GemmAlgorithm.Naive"/>. <see cref="GemmAlgorithm.Auto"/> is not listed.
    /// </summary>
    public abstract IReadOnlyList<GemmAlgorithm> GemmAlgorithms { get; }

    // ---------------------------------------------------------------- memory

    /// <summary>Allocates a zero-filled buffer of float, int or byte elements.</summary>
    public DeviceBuffer<T> Allocate<T>(int length) where T : unmanaged
    {
        ThrowIfDisposed();
        if (typeof(T) != typeof(float) && typeof(T) != typeof(int) && typeof(T) != typeof(byte))
        {
            throw new InvalidInputException($"buffers hold float, int or byte elements, not {typeof(T).Name}");
        }
        if (length <= 0)
        {
            throw new InvalidInputException($"a buffer needs at least one element, got {length}");
        }
        if (length > MaxBufferElements)
        {
            throw new InvalidInputException($"a buffer of {length} elements is more than one {Name} buffer holds ({MaxBufferElements})");
        }
        AllocationObserver?.Invoke(typeof(T), length);
        return AllocateCore<T>(length);
    }

    /// <summary>
    /// Told of every <see cref="Allocate{T}"/> request (element type and count) before it is made: how a test
    /// holds a memory plan to what a run really asks of a backend.
    /// </summary>
    public Action<Type, int>? AllocationObserver { get; set; }

    /// <summary>
    /// Where a view may start, in elements: every <see cref="Slice{T}"/> offset is a multiple of it. 16
    /// floats (64 bytes, a cache line) by default; a backend whose device binds buffers at coarser offsets
    /// (Vulkan's minStorageBufferOffsetAlignment) says so.
    /// </summary>
    public virtual int ViewAlignment => 16;

    /// <summary>
    /// A view of <paramref name="length"/> elements of <paramref name="buffer"/> from <paramref name="offset"/>,
    /// which must be a multiple of <see cref="ViewAlignment"/>. The view shares the memory: ops may take it
    /// wherever they take a buffer. A view of a view is a view of its root.
    /// </summary>
    public DeviceBuffer<T> Slice<T>(DeviceBuffer<T> buffer, int offset, int length) where T : unmanaged
    {
        CheckBuffer(buffer, nameof(buffer));
        CheckRange(buffer, offset, length, nameof(buffer));
        if (length <= 0)
        {
            throw new InvalidInputException($"a view needs at least one element, got {length}");
        }
        var rootOffset = buffer.Offset + offset;
        if (rootOffset % ViewAlignment != 0)
        {
            throw new InvalidInputException($"a view of a {Name} buffer starts at a multiple of {ViewAlignment} elements, not at {rootOffset}");
        }
        return new BufferView<T>(buffer.Root, rootOffset, length);
    }

    /// <summary>Copies <paramref name="source"/> into the buffer at <paramref name="offset"/>; the span may be reused on return.</summary>
    public void Upload<T>(DeviceBuffer<T> destination, ReadOnlySpan<T> source, int offset = 0) where T : unmanaged
    {
        CheckBuffer(destination, nameof(destination));
        CheckRange(destination, offset, source.Length, nameof(destination));
        UploadCore(destination, source, offset);
    }

    /// <summary>Waits for all queued work, then copies <paramref name="destination"/>.Length elements from <paramref name="offset"/>.</summary>
    public void Download<T>(DeviceBuffer<T> source, Span<T> destination, int offset = 0) where T : unmanaged
    {
        CheckBuffer(source, nameof(source));
        CheckRange(source, offset, destination.Length, nameof(source));
        DownloadCore(source, destination, offset);
    }

    /// <summary>Waits until every queued op has finished.</summary>
    public void Synchronize()
    {
        ThrowIfDisposed();
        SynchronizeCore();
    }

    /// <summary>Queues buffer[offset .. offset+count) = value.</summary>
    [BackendOp]
    public void Fill(DeviceBuffer<float> buffer, float value, int offset, int count)
    {
        CheckBuffer(buffer, nameof(buffer));
        CheckRange(buffer, offset, count, nameof(buffer));
        if (count > 0)
        {
            FillCore(buffer, value, offset, count);
        }
    }

    // ---------------------------------------------------------------- GEMM

    /// <summary>
    /// C = alpha * op(A) * op(B) + beta * C, op = identity or transpose.
    /// A is M x K (K x M when transposed), B is K x N (N x K when transposed), C is M x N.
    /// A linear layer uses it three ways without materialising a transpose:
    /// forward Y = X W^T (transposeB), dX = dY W, dW += dY^T X (transposeA, beta 1).
    /// When beta is 0, C is overwritten (its old contents, even NaN, are ignored).
    /// </summary>
    [BackendOp]
    public void Gemm(bool transposeA, bool transposeB, int m, int n, int k, float alpha,
        DeviceBuffer<float> a, DeviceBuffer<float> b, float beta, DeviceBuffer<float> c,
        GemmAlgorithm algorithm = GemmAlgorithm.Auto)
    {
        CheckPositive(m, "M");
        CheckPositive(n, "N");
        CheckPositive(k, "K");
        CheckBuffer(a, nameof(a));
        CheckBuffer(b, nameof(b));
        CheckBuffer(c, nameof(c));
        CheckLength(a, (long)m * k, "A (M x K)");
        CheckLength(b, (long)k * n, "B (K x N)");
        CheckLength(c, (long)m * n, "C (M x N)");
        if (algorithm != GemmAlgorithm.Auto && !HasGemm(algorithm))
        {
            throw new InvalidInputException($"backend {Name} has no {CliNames.Of(algorithm)} GEMM; it has {string.Join(", ", GemmAlgorithms.Select(CliNames.Of))}");
        }
        GemmCore(transposeA, transposeB, m, n, k, alpha, a, b, beta, c, algorithm);
    }

    /// <summary>
    /// A linear layer's forward in one op: y[B, out] = f(x[B, in] W^T + bias), with W (out, in) as
    /// PyTorch stores it, bias (out) broadcast over rows, and f an activation or none (null).
    /// y is overwritten (its old contents, even NaN, are ignored) and must not be x.
    /// By default this is the plain composition of <see cref="Gemm"/>, <see cref="BiasAdd"/> and
    /// <see cref="ActivationForward"/> in place; a backend may fuse them into one pass over y.
    /// </summary>
    [BackendOp]
    public void LinearForward(DeviceBuffer<float> x, DeviceBuffer<float> weight, DeviceBuffer<float> bias, DeviceBuffer<float> y,
        int rows, int inputs, int outputs, Activation? activation)
    {
        CheckMatrix(x, rows, inputs, nameof(x));
        CheckMatrix(weight, outputs, inputs, nameof(weight));
        CheckBuffer(bias, nameof(bias));
        CheckLength(bias, outputs, "bias (out)");
        CheckMatrix(y, rows, outputs, nameof(y));
        if (ReferenceEquals(x, y))
        {
            throw new InvalidInputException("LinearForward writes y while it reads x: they must be different buffers");
        }
        LinearForwardCore(x, weight, bias, y, rows, inputs, outputs, activation);
    }

    /// <summary>
    /// The scratch this backend allocates for itself to run an M x N x K <see cref="Gemm"/> with the Auto algorithm, or a
    /// <see cref="LinearForward"/> (M rows, N outputs, K inputs), one entry per slot, a pure function of the sizes, as
    /// <see cref="ConvolutionScratch"/> is for a convolution: a GPU's GEMM that splits K keeps its partial sums there.
    /// None by default (a backend whose GEMMs need no scratch).
    /// </summary>
    public IReadOnlyList<ScratchNeed> GemmScratch(int m, int n, int k)
    {
        ThrowIfDisposed();
        CheckPositive(m, "M");
        CheckPositive(n, "N");
        CheckPositive(k, "K");
        return GemmScratchCore(m, n, k);
    }

    /// <summary>What <see cref="GemmScratch"/> answers, for positive sizes.</summary>
    protected virtual IReadOnlyList<ScratchNeed> GemmScratchCore(int m, int n, int k) => [];

    // ---------------------------------------------------------------- bias

    /// <summary>Forward: y[B, C] += bias[C], broadcast over rows.</summary>
    [BackendOp]
    public void BiasAdd(DeviceBuffer<float> y, DeviceBuffer<float> bias, int rows, int cols)
    {
        CheckMatrix(y, rows, cols, nameof(y));
        CheckBuffer(bias, nameof(bias));
        CheckLength(bias, cols, "bias (C)");
        BiasAddCore(y, bias, rows, cols);
    }

    /// <summary>
    /// Backward: dBias[C] = beta * dBias[C] + sum over rows of dY[B, C] (fixed order, deterministic).
    /// When beta is 0, dBias is overwritten (its old contents, even NaN, are ignored).
    /// </summary>
    [BackendOp]
    public void BiasBackward(DeviceBuffer<float> dY, DeviceBuffer<float> dBias, int rows, int cols, float beta)
    {
        CheckMatrix(dY, rows, cols, nameof(dY));
        CheckBuffer(dBias, nameof(dBias));
        CheckLength(dBias, cols, "dBias (C)");
        BiasBackwardCore(dY, dBias, rows, cols, beta);
    }

    // ---------------------------------------------------------------- activations

    /// <summary>Forward: y[n] = f(x[n]) for the first <paramref name="count"/> elements; x and y may be the same buffer.</summary>
    [BackendOp]
    public void ActivationForward(Activation activation, DeviceBuffer<float> x, DeviceBuffer<float> y, int count)
    {
        CheckPositive(count, "count");
        CheckBuffer(x, nameof(x));
        CheckBuffer(y, nameof(y));
        CheckLength(x, count, "x");
        CheckLength(y, count, "y");
        ActivationForwardCore(activation, x, y, count);
    }

    /// <summary>Backward: dX[n] = dY[n] * f'(x[n]), computed from the forward output y; dY and dX may be the same buffer.</summary>
    [BackendOp]
    public void ActivationBackward(Activation activation, DeviceBuffer<float> dY, DeviceBuffer<float> y, DeviceBuffer<float> dX, int count)
    {
        CheckPositive(count, "count");
        CheckBuffer(dY, nameof(dY));
        CheckBuffer(y, nameof(y));
        CheckBuffer(dX, nameof(dX));
        CheckLength(dY, count, "dY");
        CheckLength(y, count, "y");
        CheckLength(dX, count, "dX");
        ActivationBackwardCore(activation, dY, y, dX, count);
    }

    // ---------------------------------------------------------------- add

    /// <summary>
    /// y[i] = a[i] + b[i] for the first <paramref name="count"/> elements (a residual connection's sum, a
    /// gradient's accumulation). y may be the same buffer or view as a, as b, or both: each element is read
    /// before it is written. A y that overlaps a or b only in part is refused, since no backend can promise
    /// an order between elements.
    /// </summary>
    [BackendOp]
    public void Add(DeviceBuffer<float> a, DeviceBuffer<float> b, DeviceBuffer<float> y, int count)
    {
        CheckPositive(count, "count");
        CheckBuffer(a, nameof(a));
        CheckBuffer(b, nameof(b));
        CheckBuffer(y, nameof(y));
        CheckLength(a, count, "a");
        CheckLength(b, count, "b");
        CheckLength(y, count, "y");
        CheckSameOrApart(a, y, count, "Add", "a", "y");
        CheckSameOrApart(b, y, count, "Add", "b", "y");
        AddCore(a, b, y, count);
    }

    // ---------------------------------------------------------------- data

    /// <summary>
    /// Gathers a batch from a dataset held on the device as bytes, normalising each channel with its own
    /// scale and shift. An item's features are <paramref name="channels"/> planes of features / channels
    /// each (C,H,W), and <paramref name="channelScaleShift"/> holds the C scales, then the C shifts.
    /// For i in [0, count): item = order[start + i]; c = f / (features / channels);
    /// inputs[i, f] = pixels[item * features + f] * scale[c] + shift[c] (scale 1/255, shift 0 gives 0..1);
    /// batchLabels[i] = labels[item]. An item index outside the dataset yields zeros and label -1,
    /// which the losses turn into a NaN row and the non-finite flag.
    /// </summary>
    [BackendOp]
    public void GatherBatch(DeviceBuffer<byte> pixels, DeviceBuffer<int> labels, DeviceBuffer<int> order, int start, int count,
        int features, DeviceBuffer<float> channelScaleShift, int channels, DeviceBuffer<float> inputs, DeviceBuffer<int> batchLabels)
    {
        CheckGather(pixels, labels, order, start, count, features, channelScaleShift, channels, inputs, batchLabels);
        GatherBatchCore(pixels, labels, order, start, count, features, channelScaleShift, channels, features / channels, inputs, batchLabels);
    }

    /// <summary>The sizes every batch gather checks: the dataset's whole items, one label each, the order's range, the outputs' sizes.</summary>
    private void CheckGather(DeviceBuffer<byte> pixels, DeviceBuffer<int> labels, DeviceBuffer<int> order, int start, int count,
        int features, DeviceBuffer<float> channelScaleShift, int channels, DeviceBuffer<float> inputs, DeviceBuffer<int> batchLabels)
    {
        CheckPositive(count, "count");
        CheckPositive(features, "features");
        CheckPositive(channels, "channels");
        CheckBuffer(channelScaleShift, nameof(channelScaleShift));
        if (features % channels != 0)
        {
            throw new InvalidInputException($"{features} features are not {channels} channels of equal planes");
        }
        CheckLength(channelScaleShift, 2L * channels, "channelScaleShift (a scale and a shift per channel)");
        CheckBuffer(pixels, nameof(pixels));
        CheckBuffer(labels, nameof(labels));
        CheckBuffer(order, nameof(order));
        CheckBuffer(inputs, nameof(inputs));
        CheckBuffer(batchLabels, nameof(batchLabels));
        if (pixels.Length % features != 0)
        {
            throw new InvalidInputException($"pixels hold {pixels.Length} bytes, not a whole number of {features}-feature items");
        }
        var items = pixels.Length / features;
        CheckLength(labels, items, "labels (one per item)");
        CheckRange(order, start, count, nameof(order));
        CheckLength(inputs, (long)count * features, "inputs (count x features)");
        CheckLength(batchLabels, count, "batchLabels (count)");
    }

    // ---------------------------------------------------------------- implementation hooks

    protected abstract DeviceBuffer<T> AllocateCore<T>(int length) where T : unmanaged;

    protected abstract void UploadCore<T>(DeviceBuffer<T> destination, ReadOnlySpan<T> source, int offset) where T : unmanaged;

    protected abstract void DownloadCore<T>(DeviceBuffer<T> source, Span<T> destination, int offset) where T : unmanaged;

    protected abstract void SynchronizeCore();

    protected abstract void FillCore(DeviceBuffer<float> buffer, float value, int offset, int count);

    protected abstract void GemmCore(bool transposeA, bool transposeB, int m, int n, int k, float alpha,
        DeviceBuffer<float> a, DeviceBuffer<float> b, float beta, DeviceBuffer<float> c, GemmAlgorithm algorithm);

    /// <summary>The plain composition: y = x W^T (GEMM NT), y += bias, y = f(y) in place.</summary>
    protected virtual void LinearForwardCore(DeviceBuffer<float> x, DeviceBuffer<float> weight, DeviceBuffer<float> bias,
        DeviceBuffer<float> y, int rows, int inputs, int outputs, Activation? activation)
    {
        GemmCore(false, true, rows, outputs, inputs, 1f, x, weight, 0f, y, GemmAlgorithm.Auto);
        BiasAddCore(y, bias, rows, outputs);
        if (activation is { } f)
        {
            ActivationForwardCore(f, y, y, rows * outputs);
        }
    }

    protected abstract void BiasAddCore(DeviceBuffer<float> y, DeviceBuffer<float> bias, int rows, int cols);

    protected abstract void BiasBackwardCore(DeviceBuffer<float> dY, DeviceBuffer<float> dBias, int rows, int cols, float beta);

    protected abstract void ActivationForwardCore(Activation activation, DeviceBuffer<float> x, DeviceBuffer<float> y, int count);

    protected abstract void ActivationBackwardCore(Activation activation, DeviceBuffer<float> dY, DeviceBuffer<float> y,
        DeviceBuffer<float> dX, int count);

    protected abstract void AddCore(DeviceBuffer<float> a, DeviceBuffer<float> b, DeviceBuffer<float> y, int count);

    /// <summary><paramref name="planeSize"/> is features / channels: the features of one channel of one item.</summary>
    protected abstract void GatherBatchCore(DeviceBuffer<byte> pixels, DeviceBuffer<int> labels, DeviceBuffer<int> order, int start,
        int count, int features, DeviceBuffer<float> channelScaleShift, int channels, int planeSize, DeviceBuffer<float> inputs,
        DeviceBuffer<int> batchLabels);

    /// <summary>Releases the device and everything the backend holds.</summary>
    protected abstract void DisposeCore();

    public void Dispose()
    {
        if (disposed)
        {
            return;
        }
        disposed = true;
        DisposeCore();
        GC.SuppressFinalize(this);
    }

    // ---------------------------------------------------------------- argument checks

    // A loop, not LINQ: the check runs on every GEMM of a training step, which must not allocate.
    private bool HasGemm(GemmAlgorithm algorithm)
    {
        var algorithms = GemmAlgorithms;
        for (var i = 0; i < algorithms.Count; i++)
        {
            if (algorithms[i] == algorithm)
            {
                return true;
            }
        }
        return false;
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(disposed, this);

    private void CheckBuffer<T>(DeviceBuffer<T> buffer, string name) where T : unmanaged
    {
        ThrowIfDisposed();
        ArgumentNullException.ThrowIfNull(buffer, name);
        if (!ReferenceEquals(buffer.Owner, this))
        {
            throw new InvalidInputException($"{name} belongs to backend {buffer.Owner.Name}, not to {Name}");
        }
        ObjectDisposedException.ThrowIf(buffer.IsDisposed, buffer);
    }

    private static void CheckPositive(int value, string name)
    {
        if (value <= 0)
        {
            throw new InvalidInputException($"{name} must be positive, got {value}");
        }
    }

    private static void CheckLength<T>(DeviceBuffer<T> buffer, long needed, string name) where T : unmanaged
    {
        if (buffer.Length < needed)
        {
            throw new InvalidInputException($"{name} needs {needed} elements but its buffer holds {buffer.Length}");
        }
    }

    private static void CheckRange<T>(DeviceBuffer<T> buffer, int offset, int count, string name) where T : unmanaged
    {
        if (offset < 0 || count < 0 || (long)offset + count > buffer.Length)
        {
            throw new InvalidInputException(
                $"{name}: elements [{offset}, {(long)offset + count}) lie outside its {buffer.Length} elements");
        }
    }

    private void CheckMatrix(DeviceBuffer<float> buffer, int rows, int cols, string name)
    {
        CheckPositive(rows, "rows");
        CheckPositive(cols, "cols");
        CheckBuffer(buffer, name);
        // The message is built only on failure: a check on every op must not allocate.
        if (buffer.Length < (long)rows * cols)
        {
            throw new InvalidInputException($"{name} ({rows} x {cols}) needs {(long)rows * cols} elements but its buffer holds {buffer.Length}");
        }
    }

    /// <summary>
    /// An element-wise op may write its output over an input element for element, but not shifted: the
    /// first <paramref name="count"/> elements of each must be the same memory or no common memory.
    /// </summary>
    private static void CheckSameOrApart(DeviceBuffer<float> input, DeviceBuffer<float> output, int count, string op,
        string inputName, string outputName)
    {
        if (!ReferenceEquals(input.Root, output.Root) || input.Offset == output.Offset)
        {
            return;
        }
        var apart = (long)input.Offset + count <= output.Offset || (long)output.Offset + count <= input.Offset;
        if (!apart)
        {
            throw new InvalidInputException(
                $"{op} writes {outputName} over part of {inputName}: they must be the same elements or separate ones");
        }
    }
}
