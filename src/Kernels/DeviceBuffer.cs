namespace Descent.Kernels;

/// <summary>
/// A typed array in a backend's memory. Only the backend that allocated it may use it; its length
/// is fixed at allocation. Disposing releases the device memory.
/// </summary>
public abstract class DeviceBuffer<T> : IDisposable where T : unmanaged
{
    protected DeviceBuffer(ComputeBackend owner, int length)
    {
        Owner = owner;
        Length = length;
    }

    public ComputeBackend Owner { get; }

    public int Length { get; }

    public bool IsDisposed { get; private set; }

    public void Dispose()
    {
        if (IsDisposed)
        {
            return;
        }
        IsDisposed = true;
        Release();
        GC.SuppressFinalize(this);
    }

    /// <summary>Frees the device memory; called once.</summary>
    protected abstract void Release();
}
