using Descent.Kernels;

namespace Descent.Engine.Layers;

/// <summary>
/// A trainable array and its gradient, both on the device: views of a model's two store buffers
/// (<see cref="ParameterStore"/>), or, for a parameter made alone (a test's, an optimizer's), buffers of its own.
/// </summary>
public sealed class Parameter : IDisposable
{
    /// <summary>A parameter in buffers of its own, started at <paramref name="initialValues"/>, of <paramref name="shape"/> (one dimension when null).</summary>
    public Parameter(ComputeBackend backend, string name, ReadOnlySpan<float> initialValues, IReadOnlyList<int>? shape = null)
    {
        Name = name;
        Count = initialValues.Length;
        Shape = shape ?? [Count];
        Value = backend.Allocate<float>(Count);
        Gradient = backend.Allocate<float>(Count);
        ownsBuffers = true;
        backend.Upload(Value, initialValues);
    }

    /// <summary>A parameter living in <paramref name="store"/>'s buffers at the given views.</summary>
    internal Parameter(ParameterStore store, string name, IReadOnlyList<int> shape, DeviceBuffer<float> value, DeviceBuffer<float> gradient)
    {
        Name = name;
        Count = value.Length;
        Shape = shape;
        Value = value;
        Gradient = gradient;
        Store = store;
    }

    private readonly bool ownsBuffers;

    /// <summary>Its name in the model file ("fc1.weight"), or what a parameter made alone was called.</summary>
    public string Name { get; }

    public int Count { get; }

    /// <summary>Its dimensions as the model file gives them ([out, in] for a linear weight, [C] for a bias): an optimizer may decay by them.</summary>
    public IReadOnlyList<int> Shape { get; }

    public DeviceBuffer<float> Value { get; }

    /// <summary>Written (not accumulated) by each step's backward pass, so it needs no zeroing.</summary>
    public DeviceBuffer<float> Gradient { get; }

    /// <summary>The store this parameter lives in, or null when it has buffers of its own.</summary>
    public ParameterStore? Store { get; }

    /// <summary>Releases the parameter's own buffers; a stored parameter's memory is the store's to release.</summary>
    public void Dispose()
    {
        if (ownsBuffers)
        {
            Value.Dispose();
            Gradient.Dispose();
        }
    }
}
