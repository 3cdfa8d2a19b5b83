namespace Descent.Kernels.Planning;

/// <summary>One <see cref="ComputeBackend.Allocate{T}"/> call: its element type and count.</summary>
public readonly record struct AllocationRequest(Type ElementType, int Elements)
{
    public long Bytes => Elements * (long)ScratchNeed.ElementBytes(ElementType);
}

/// <summary>
/// A backend that runs nothing and holds no memory, to learn what a run would take on a real device
/// before it is tried there. It reports the real backend's limits (names, buffer limits, memory, view
/// alignment, GEMM kernels), so the engine sizes and validates exactly as it would on that device; its
/// buffers are lengths without elements; every op is a no-op, except that a convolution or a GEMM records the
/// scratch the real backend declares for it (<see cref="ComputeBackend.ConvolutionScratch"/>,
/// <see cref="ComputeBackend.GemmScratch"/>), kept per slot at its largest, as the backends keep theirs. Uploads are ignored and downloads read zeros. The no-op
/// ops are emitted (<see cref="NoOpSubclass"/>), so only what is counted is written here.
/// <para>
/// It records every allocation in order, follows releases, and so knows the bytes live at any moment and
/// the most ever live at once, the scratch held at the time included.
/// </para>
/// </summary>
public abstract class CountingBackend : StandInBackend
{
    private readonly List<AllocationRequest> requests = [];
    private readonly List<ScratchNeed> scratch = [];

    protected CountingBackend(ComputeBackend device)
        : base(device)
    {
    }

    /// <param name="device">The backend whose limits and scratch declarations this one reports; it stays the caller's to dispose.</param>
    public static CountingBackend Create(ComputeBackend device) => NoOpSubclass.Create<CountingBackend>(device);

    /// <summary>Every allocation asked for, in order, released or not.</summary>
    public IReadOnlyList<AllocationRequest> Requests => requests;

    /// <summary>The scratch the real backend would hold now: per slot, in the order first used, the largest need so far.</summary>
    public IReadOnlyList<ScratchNeed> Scratch => scratch;

    /// <summary>The bytes of <see cref="Scratch"/>.</summary>
    public long ScratchBytes { get; private set; }

    /// <summary>Bytes of the buffers allocated and not yet released (views own nothing), scratch aside.</summary>
    public long LiveBytes { get; private set; }

    /// <summary>The most that buffers and scratch together ever held at once: what the device must hold.</summary>
    public long PeakBytes { get; private set; }

    protected override DeviceBuffer<T> AllocateCore<T>(int length)
    {
        var request = new AllocationRequest(typeof(T), length);
        requests.Add(request);
        LiveBytes += request.Bytes;
        PeakBytes = Math.Max(PeakBytes, LiveBytes + ScratchBytes);
        return new CountedBuffer<T>(this, length, request.Bytes);
    }

    protected override void UploadCore<T>(DeviceBuffer<T> destination, ReadOnlySpan<T> source, int offset)
    {
    }

    protected override void DownloadCore<T>(DeviceBuffer<T> source, Span<T> destination, int offset) => destination.Clear();

    protected override void SynchronizeCore()
    {
    }

    // The real backend is the caller's; the buffers here hold nothing.
    protected override void DisposeCore()
    {
    }

    // ---------------------------------------------------------------- GEMMs and convolutions: scratch recorded

    protected override void GemmCore(bool transposeA, bool transposeB, int m, int n, int k, float alpha, DeviceBuffer<float> a,
        DeviceBuffer<float> b, float beta, DeviceBuffer<float> c, GemmAlgorithm algorithm) => Hold(Device.GemmScratch(m, n, k));

    protected override void LinearForwardCore(DeviceBuffer<float> x, DeviceBuffer<float> weight, DeviceBuffer<float> bias,
        DeviceBuffer<float> y, int rows, int inputs, int outputs, Activation? activation) => Hold(Device.GemmScratch(rows, outputs, inputs));

    protected override void Conv2dForwardCore(DeviceBuffer<float> x, DeviceBuffer<float> weight, DeviceBuffer<float>? bias,
        DeviceBuffer<float> y, Conv2dShape shape, Activation? activation) => Hold(Device.ConvolutionScratch(ConvolutionPass.Forward, shape));

    protected override void Conv2dBackwardInputCore(DeviceBuffer<float> dY, DeviceBuffer<float> weight, DeviceBuffer<float> dX,
        Conv2dShape shape) => Hold(Device.ConvolutionScratch(ConvolutionPass.BackwardInput, shape));

    protected override void Conv2dBackwardWeightCore(DeviceBuffer<float> dY, DeviceBuffer<float> x, DeviceBuffer<float> dWeight,
        DeviceBuffer<float>? dBias, Conv2dShape shape) => Hold(Device.ConvolutionScratch(ConvolutionPass.BackwardWeight, shape));

    /// <summary>Grows each slot the real backend declares for an op to its need, as that backend grows its buffers.</summary>
    private void Hold(IReadOnlyList<ScratchNeed> needs)
    {
        foreach (var need in needs)
        {
            var slot = scratch.FindIndex(held => held.Slot == need.Slot);
            if (slot < 0)
            {
                scratch.Add(need);
                ScratchBytes += need.Bytes;
            }
            else if (scratch[slot].Bytes < need.Bytes)
            {
                ScratchBytes += need.Bytes - scratch[slot].Bytes;
                scratch[slot] = need;
            }
        }
        PeakBytes = Math.Max(PeakBytes, LiveBytes + ScratchBytes);
    }

    /// <summary>A length without elements; releasing it gives its bytes back to the count.</summary>
    private sealed class CountedBuffer<T>(CountingBackend owner, int length, long bytes) : DeviceBuffer<T>(owner, length)
        where T : unmanaged
    {
        protected override void Release() => owner.LiveBytes -= bytes;
    }
}
