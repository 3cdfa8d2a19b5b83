namespace Descent.Kernels.Conformance;

/// <summary>The buffers one case holds on the backend under test, all released when the case ends.</summary>
internal sealed class BufferScope(ComputeBackend backend) : IDisposable
{
    private readonly List<IDisposable> buffers = [];

    public DeviceBuffer<T> Allocate<T>(int length) where T : unmanaged
    {
        var buffer = backend.Allocate<T>(length);
        buffers.Add(buffer);
        return buffer;
    }

    public DeviceBuffer<T> Upload<T>(T[] values) where T : unmanaged
    {
        var buffer = Allocate<T>(values.Length);
        backend.Upload<T>(buffer, values);
        return buffer;
    }

    /// <summary>Waits for the backend and copies the whole buffer back.</summary>
    public T[] Download<T>(DeviceBuffer<T> buffer) where T : unmanaged
    {
        var values = new T[buffer.Length];
        backend.Download<T>(buffer, values);
        return values;
    }

    public void Dispose()
    {
        foreach (var buffer in buffers)
        {
            buffer.Dispose();
        }
    }
}
