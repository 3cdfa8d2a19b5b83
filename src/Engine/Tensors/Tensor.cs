using Descent.Kernels;

namespace Descent.Engine.Tensors;

/// <summary>
/// A row-major matrix of floats on a backend, allocated once for its largest batch: an op on a
/// smaller batch uses the first rows only, so a step never allocates.
/// </summary>
public sealed class Tensor : IDisposable
{
    public Tensor(ComputeBackend backend, int capacityRows, int columns)
    {
        if (capacityRows <= 0 || columns <= 0)
        {
            throw new InvalidInputException($"a tensor needs a positive shape, got {capacityRows} x {columns}");
        }
        CapacityRows = capacityRows;
        Columns = columns;
        Buffer = backend.Allocate<float>(checked(capacityRows * columns));
    }

    public DeviceBuffer<float> Buffer { get; }

    public int CapacityRows { get; }

    public int Columns { get; }

    public void Dispose() => Buffer.Dispose();
}
