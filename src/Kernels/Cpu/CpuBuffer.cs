using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Descent.Kernels.Cpu;

/// <summary>
/// A <see cref="CpuBackend"/> buffer: an array on the pinned object heap, so the kernels can hold a
/// raw pointer to it for its whole life (the garbage collector never moves it) while the collector
/// still frees it if a caller forgets to dispose. The elements start on a 64-byte cache-line
/// boundary (the array is over-allocated by one line): a vector access then never straddles two
/// lines, and timings do not vary with where the array happened to land.
/// </summary>
internal sealed unsafe class CpuBuffer<T> : DeviceBuffer<T> where T : unmanaged
{
    private const int CacheLine = 64;

    /// <summary>The most elements a buffer holds: an array's limit less the line it is over-allocated by.</summary>
    public static int MaxLength => Array.MaxLength - CacheLine;

    private readonly T[] storage;
    private readonly int start;

    public CpuBuffer(CpuBackend owner, int length)
        : base(owner, length)
    {
        storage = GC.AllocateArray<T>(length + CacheLine / sizeof(T), pinned: true);
        var first = (nint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(storage));
        start = (int)((CacheLine - first % CacheLine) % CacheLine / sizeof(T));
        Pointer = (T*)first + start;
    }

    /// <summary>The first element, 64-byte aligned; valid while the buffer is alive.</summary>
    public T* Pointer { get; }

    public Span<T> Span => storage.AsSpan(start, Length);

    // Managed memory: dropping the buffer lets the collector reclaim the array.
    protected override void Release()
    {
    }
}
