using Descent.Kernels;

namespace Descent.Engine.Layers;

/// <summary>A trainable array and its gradient, both on the device.</summary>
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

    public DeviceBuffer<float> Value { get; }

    /// <summary>Written (not accumulated) by each step's backward pass, so it needs no zeroing.</summary>
    public DeviceBuffer<float> Gradient { get; }

    public void Dispose()
    {
        Value.Dispose();
        Gradient.Dispose();
    }
}
