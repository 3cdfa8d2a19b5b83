using Descent.Engine.Layers;
using Descent.Kernels;

namespace Descent.Engine.Optimizers;

/// <summary>Updates a model's parameters in place from their gradients; all state lives on the device.</summary>
public abstract class Optimizer : IDisposable
{
    protected Optimizer(ComputeBackend backend, IReadOnlyList<Parameter> parameters)
    {
        Backend = backend;
        Parameters = parameters.ToArray();
    }

    protected ComputeBackend Backend { get; }

    /// <summary>An array, so that the per-step loop does not allocate an enumerator.</summary>
    protected Parameter[] Parameters { get; }

    public abstract string Name { get; }

    /// <summary>Queues one update of every parameter at <paramref name="learningRate"/>.</summary>
    public abstract void Step(float learningRate);

    public abstract void Dispose();

    /// <summary>One zeroed state buffer per parameter.</summary>
    protected DeviceBuffer<float>[] AllocateState() =>
        Parameters.Select(p =>
        {
            var state = Backend.Allocate<float>(p.Count);
            Backend.Fill(state, 0f, 0, p.Count);
            return state;
        }).ToArray();

    protected static void Release(DeviceBuffer<float>[] state)
    {
        foreach (var buffer in state)
        {
            buffer.Dispose();
        }
    }
}
