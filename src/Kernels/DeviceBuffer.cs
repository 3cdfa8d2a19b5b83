namespace Descent.Kernels;

/// <summary>
/// A typed array in a backend's memory. Only the backend that allocated it may use it; its length
/// is fixed at allocation. Disposing releases the device memory.
/// <para>
/// A buffer may instead be a view: <see cref="Length"/> elements of another buffer, from
/// <see cref="Offset"/> (see <see cref="ComputeBackend.Slice{T}"/>). Ops take views wherever they take
/// buffers, so that, for instance, every parameter of a model lives in one buffer and one optimizer
/// launch updates them all. A view owns nothing: disposing it releases nothing, and it is unusable
/// once its root is disposed.
/// </para>
/// </summary>
public abstract class DeviceBuffer<T> : IDisposable where T : unmanaged
{
    private bool disposed;

    protected DeviceBuffer(ComputeBackend owner, int length)
    {
        Owner = owner;
        Length = length;
        Root = this;
    }

    /// <summary>A view of <paramref name="length"/> elements of <paramref name="root"/> from <paramref name="offset"/>.</summary>
    private protected DeviceBuffer(DeviceBuffer<T> root, int offset, int length)
    {
        Owner = root.Owner;
        Length = length;
        Root = root;
        Offset = offset;
    }

    public ComputeBackend Owner { get; }

    public int Length { get; }

    /// <summary>The allocated buffer this one is, or is a view of.</summary>
    public DeviceBuffer<T> Root { get; }

    /// <summary>Where this buffer's first element lies in <see cref="Root"/>; 0 for an allocated buffer.</summary>
    public int Offset { get; }

    /// <summary>True for a view: <see cref="Root"/> is another buffer.</summary>
    public bool IsView => !ReferenceEquals(Root, this);

    public bool IsDisposed => disposed || (IsView && Root.IsDisposed);

    public void Dispose()
    {
        if (disposed)
        {
            return;
        }
        disposed = true;
        if (!IsView)
        {
            Release();
        }
        GC.SuppressFinalize(this);
    }

    /// <summary>Frees the device memory; called once, never for a view.</summary>
    protected abstract void Release();
}

/// <summary>Elements of another buffer: what <see cref="ComputeBackend.Slice{T}"/> returns.</summary>
internal sealed class BufferView<T>(DeviceBuffer<T> root, int offset, int length) : DeviceBuffer<T>(root, offset, length)
    where T : unmanaged
{
    protected override void Release()
    {
    }
}
