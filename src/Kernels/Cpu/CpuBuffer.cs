using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Descent.Kernels.Cpu;

/// <summary>
/// A <see cref="CpuBackend"/> buffer: an array on the pinned object heap, so the kernels can hold a
/// raw pointer to it for its whole life (the garbage collector never moves it) while the collector
/// still frees it if a caller forgets to dispose.
/// </summary>
internal sealed unsafe class CpuBuffer<T> : DeviceBuffer<T> where T : unmanaged
{
    private readonly T[] elements;

    public CpuBuffer(CpuBackend owner, int length)
        : base(owner, length)
    {
        elements = GC.AllocateArray<T>(length, pinned: true);
        Pointer = (T*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(elements));
    }

    /// <summary>The first element; valid while the buffer is alive.</summary>
    public T* Pointer { get; }

    public Span<T> Span => elements;

    // Managed memory: dropping the buffer lets the collector reclaim the array.
    protected override void Release()
    {
    }
}
