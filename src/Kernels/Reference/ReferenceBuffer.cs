namespace Descent.Kernels.Reference;

/// <summary>A <see cref="ReferenceBackend"/> buffer: a plain host array.</summary>
internal sealed class ReferenceBuffer<T>(ComputeBackend owner, int length) : DeviceBuffer<T>(owner, length)
    where T : unmanaged
{
    public T[] Elements { get; } = new T[length];

    // Host memory: the garbage collector frees the array once the buffer is unreachable.
    protected override void Release()
    {
    }
}
