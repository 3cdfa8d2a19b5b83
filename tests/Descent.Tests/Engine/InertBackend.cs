using System.Runtime.CompilerServices;
using Descent.Kernels;
using Descent.Kernels.Planning;

namespace Descent.Tests.Engine;

/// <summary>
/// A backend whose ops do nothing and allocate nothing: what remains allocated around a training
/// step is the engine's own doing. Downloads read zeros (a finite loss, nothing correct).
/// <para>
/// Only memory and lifetime are written here. Every op's <c>...Core</c> method is overridden by a
/// subclass emitted at run time with an empty body (<see cref="NoOpSubclass"/>), so a new op needs no edit here.
/// </para>
/// </summary>
public abstract class InertBackend : ComputeBackend
{
    public static InertBackend Create() => NoOpSubclass.Create<InertBackend>();

    public override string Name => "inert";

    public override string DeviceDescription => "no device: ops are no-ops";

    public override IReadOnlyList<GemmAlgorithm> GemmAlgorithms { get; } = [GemmAlgorithm.Naive];

    /// <summary>Unlimited unless a test gives it a size, to see what does not fit refused.</summary>
    public MemoryCapacity Capacity { get; set; } = new(long.MaxValue, "no device");

    public override MemoryCapacity Memory => Capacity;

    public long BufferBytesLimit { get; set; } = long.MaxValue;

    public override long MaxBufferBytes => BufferBytesLimit;

    /// <summary>Bytes of the buffers allocated and not yet released (views own nothing).</summary>
    public long LiveBytes { get; private set; }

    /// <summary>The most <see cref="LiveBytes"/> ever was: what a device would have had to hold at once.</summary>
    public long PeakBytes { get; private set; }

    /// <summary>Buffers allocated so far, released or not.</summary>
    public int Allocations { get; private set; }

    protected override DeviceBuffer<T> AllocateCore<T>(int length)
    {
        Allocations++;
        LiveBytes += (long)length * Unsafe.SizeOf<T>();
        PeakBytes = Math.Max(PeakBytes, LiveBytes);
        return new InertBuffer<T>(this, length);
    }

    protected override void UploadCore<T>(DeviceBuffer<T> destination, ReadOnlySpan<T> source, int offset)
    {
    }

    protected override void DownloadCore<T>(DeviceBuffer<T> source, Span<T> destination, int offset) => destination.Clear();

    protected override void SynchronizeCore()
    {
    }

    protected override void DisposeCore()
    {
    }

    private sealed class InertBuffer<T>(InertBackend owner, int length) : DeviceBuffer<T>(owner, length) where T : unmanaged
    {
        protected override void Release() => owner.LiveBytes -= (long)Length * Unsafe.SizeOf<T>();
    }
}
