using Descent.Kernels;

namespace Descent.Engine.Layers;

/// <summary>
/// Every parameter of a model in one buffer of values and one of gradients, each parameter a view at
/// an aligned offset (<see cref="ComputeBackend.ViewAlignment"/>): so an optimizer updates them all with
/// one launch over the whole buffer, where one launch per parameter would cost a GPU a launch each.
/// The gaps the alignment leaves are zeros that stay zero: their gradient is never written, and every
/// optimizer maps a zero parameter with a zero gradient and zero state to zero.
/// </summary>
public sealed class ParameterStore : IDisposable
{
    private ParameterStore(ComputeBackend backend, Parameter[] parameters, DeviceBuffer<float> values, DeviceBuffer<float> gradients)
    {
        Backend = backend;
        Parameters = parameters;
        Values = values;
        Gradients = gradients;
    }

    public ComputeBackend Backend { get; }

    /// <summary>The parameters in the order they lie in the buffers.</summary>
    public IReadOnlyList<Parameter> Parameters { get; }

    public DeviceBuffer<float> Values { get; }

    public DeviceBuffer<float> Gradients { get; }

    /// <summary>Elements of each buffer, the gaps included: what an optimizer's update covers.</summary>
    public int Length => Values.Length;

    /// <summary>
    /// Moves <paramref name="parameters"/> into one store: their current values are copied in (a
    /// download each, once, when a model is built), their own buffers released, and from then on their
    /// <see cref="Parameter.Value"/> and <see cref="Parameter.Gradient"/> are views of the store's buffers.
    /// </summary>
    public static ParameterStore Pack(ComputeBackend backend, IReadOnlyList<Parameter> parameters)
    {
        if (parameters.Count == 0)
        {
            throw new InvalidInputException("a parameter store needs at least one parameter");
        }
        var alignment = backend.ViewAlignment;
        var offsets = new int[parameters.Count];
        long length = 0;
        for (var i = 0; i < parameters.Count; i++)
        {
            offsets[i] = (int)length;
            length += (parameters[i].Count + alignment - 1) / alignment * alignment;
            if (length > int.MaxValue)
            {
                throw new InvalidInputException($"the model's parameters need {length} elements, more than one buffer holds ({int.MaxValue})");
            }
        }
        var values = backend.Allocate<float>((int)length);
        var gradients = backend.Allocate<float>((int)length);
        var store = new ParameterStore(backend, parameters.ToArray(), values, gradients);
        for (var i = 0; i < parameters.Count; i++)
        {
            parameters[i].MoveInto(store, backend.Slice(values, offsets[i], parameters[i].Count),
                backend.Slice(gradients, offsets[i], parameters[i].Count));
        }
        return store;
    }

    /// <summary>
    /// The store that holds exactly <paramref name="parameters"/>, in its order, or null when they were
    /// not packed together: then an optimizer updates them one by one.
    /// </summary>
    public static ParameterStore? Holding(IReadOnlyList<Parameter> parameters)
    {
        if (parameters.Count == 0 || parameters[0].Store is not { } store || store.Parameters.Count != parameters.Count)
        {
            return null;
        }
        for (var i = 0; i < parameters.Count; i++)
        {
            if (!ReferenceEquals(store.Parameters[i], parameters[i]))
            {
                return null;
            }
        }
        return store;
    }

    public void Dispose()
    {
        Values.Dispose();
        Gradients.Dispose();
    }
}
