using Descent.Kernels;

namespace Descent.Engine.Layers;

/// <summary>
/// Every parameter of a model in one buffer of values and one of gradients, each parameter a view at
/// an aligned offset (<see cref="ComputeBackend.ViewAlignment"/>): so an optimizer updates them all with
/// one launch over the whole buffer, where one launch per parameter would cost a GPU a launch each.
/// The store is allocated first and each parameter's initial values are uploaded straight into its view,
/// so a parameter is allocated once, in its final place. The gaps the alignment leaves are zeros that stay
/// zero: their gradient is never written, and every optimizer maps a zero parameter with a zero gradient
/// and zero state to zero.
/// </summary>
public sealed class ParameterStore : IDisposable
{
    private readonly List<Parameter> parameters = [];

    private ParameterStore(ComputeBackend backend, DeviceBuffer<float> values, DeviceBuffer<float> gradients)
    {
        Backend = backend;
        Values = values;
        Gradients = gradients;
    }

    public ComputeBackend Backend { get; }

    /// <summary>The parameters in the order they lie in the buffers.</summary>
    public IReadOnlyList<Parameter> Parameters => parameters;

    public DeviceBuffer<float> Values { get; }

    public DeviceBuffer<float> Gradients { get; }

    /// <summary>Elements of each buffer, the gaps included: what an optimizer's update covers.</summary>
    public int Length => Values.Length;

    /// <summary>Elements a store of parameters of <paramref name="counts"/> elements takes on <paramref name="backend"/>, gaps included.</summary>
    public static long LengthFor(ComputeBackend backend, IEnumerable<int> counts) =>
        counts.Sum(count => (count + (long)backend.ViewAlignment - 1) / backend.ViewAlignment * backend.ViewAlignment);

    /// <summary>
    /// A store for the parameters <paramref name="initial"/> names, with their initial values, allocated once: each
    /// parameter's values are uploaded into its view.
    /// </summary>
    public static ParameterStore Create(ComputeBackend backend, IReadOnlyList<(string Name, int[] Shape, float[] Initial)> initial)
    {
        if (initial.Count == 0)
        {
            throw new InvalidInputException("a parameter store needs at least one parameter");
        }
        var length = LengthFor(backend, initial.Select(parameter => parameter.Initial.Length));
        if (length > int.MaxValue)
        {
            throw new InvalidInputException($"the model's parameters need {length} elements, more than one buffer holds ({int.MaxValue})");
        }
        var store = new ParameterStore(backend, backend.Allocate<float>((int)length), backend.Allocate<float>((int)length));
        var offset = 0;
        foreach (var (name, shape, values) in initial)
        {
            var value = backend.Slice(store.Values, offset, values.Length);
            backend.Upload<float>(value, values);
            store.parameters.Add(new Parameter(store, name, shape, value, backend.Slice(store.Gradients, offset, values.Length)));
            offset += (values.Length + backend.ViewAlignment - 1) / backend.ViewAlignment * backend.ViewAlignment;
        }
        return store;
    }

    /// <summary>
    /// The store that holds exactly <paramref name="parameters"/>, in its order, or null when they were
    /// not stored together: then an optimizer updates them one by one.
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
