using Descent.Kernels;

namespace Descent.Engine.Layers;

/// <summary>
/// A trainable array and its gradient, both on the device: in buffers of its own, or, once a model has
/// packed its parameters (<see cref="ParameterStore"/>), as views of the model's two buffers.
/// </summary>
public sealed class Parameter : IDisposable
{
    public Parameter(ComputeBackend backend, string name, ReadOnlySpan<float> initialValues)
    {
        Name = name;
        Count = initialValues.Length;
        Value = backend.Allocate<float>(Count);
        Gradient = backend.Allocate<float>(Count);
        backend.Upload(Value, initialValues);
    }

    public string Name { get; }

    public int Count { get; }

    public DeviceBuffer<float> Value { get; private set; }

    /// <summary>Written (not accumulated) by each step's backward pass, so it needs no zeroing.</summary>
    public DeviceBuffer<float> Gradient { get; private set; }

    /// <summary>The store this parameter lives in, or null while it has buffers of its own.</summary>
    public ParameterStore? Store { get; private set; }

    /// <summary>Copies the value into <paramref name="value"/>, releases its own buffers and lives in the store from now on.</summary>
    internal void MoveInto(ParameterStore store, DeviceBuffer<float> value, DeviceBuffer<float> gradient)
    {
        if (Store is not null)
        {
            throw new InvalidOperationException($"parameter {Name} already lives in a store");
        }
        var backend = store.Backend;
        var current = new float[Count];
        backend.Download<float>(Value, current);
        backend.Upload<float>(value, current);
        Value.Dispose();
        Gradient.Dispose();
        Value = value;
        Gradient = gradient;
        Store = store;
    }

    /// <summary>Releases the parameter's own buffers; a stored parameter's memory is the store's to release.</summary>
    public void Dispose()
    {
        if (Store is null)
        {
            Value.Dispose();
            Gradient.Dispose();
        }
    }
}
