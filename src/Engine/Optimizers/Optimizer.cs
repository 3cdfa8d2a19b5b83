using Descent.Engine.Layers;
using Descent.Kernels;

namespace Descent.Engine.Optimizers;

/// <summary>
/// Updates a model's parameters in place from their gradients; all state lives on the device. Parameters
/// packed in one <see cref="ParameterStore"/> (every model's are) are updated as one array: one launch a
/// step, whatever the number of layers. Others are updated one by one.
/// </summary>
public abstract class Optimizer : IDisposable
{
    protected Optimizer(ComputeBackend backend, IReadOnlyList<Parameter> parameters)
    {
        Backend = backend;
        Parameters = parameters.ToArray();
        Targets = ParameterStore.Holding(Parameters) is { } store
            ? [new UpdateTarget(store.Values, store.Gradients, store.Length)]
            : Parameters.Select(p => new UpdateTarget(p.Value, p.Gradient, p.Count)).ToArray();
    }

    protected ComputeBackend Backend { get; }

    /// <summary>An array, so that the per-step loop does not allocate an enumerator.</summary>
    protected Parameter[] Parameters { get; }

    /// <summary>What one update launch covers: the whole store, or one parameter. An array, for the same reason.</summary>
    protected UpdateTarget[] Targets { get; }

    public abstract string Name { get; }

    /// <summary>Queues one update of every parameter at <paramref name="learningRate"/>.</summary>
    public abstract void Step(float learningRate);

    public abstract void Dispose();

    /// <summary>One zeroed state buffer per update target.</summary>
    protected DeviceBuffer<float>[] AllocateState() =>
        Targets.Select(target =>
        {
            var state = Backend.Allocate<float>(target.Count);
            Backend.Fill(state, 0f, 0, target.Count);
            return state;
        }).ToArray();

    protected static void Release(DeviceBuffer<float>[] state)
    {
        foreach (var buffer in state)
        {
            buffer.Dispose();
        }
    }

    /// <summary>Values and gradients that one update launch covers, <paramref name="Count"/> elements of each.</summary>
    protected readonly record struct UpdateTarget(DeviceBuffer<float> Value, DeviceBuffer<float> Gradient, int Count);
}
