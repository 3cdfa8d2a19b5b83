using Descent.Engine.Models;
using Descent.Kernels;

namespace Descent.Engine.Layers;

/// <summary>
/// Whether a model trains or evaluates, and at which global step: one object per model that every layer
/// reads (dropout masks while training and passes its input on in evaluation; batch statistics would
/// follow it the same way). A model starts in evaluation.
/// </summary>
public sealed class ModelMode
{
    public bool Training { get; private set; }

    /// <summary>The global training step (from 0 over the whole run) the current forward and backward belong to.</summary>
    public long Step { get; private set; }

    /// <summary>
    /// The row of the whole batch the model's first row is: 0 for one process; a rank's first row of its share when
    /// processes share each batch, so that what draws by row (dropout) draws what one process draws for that row.
    /// </summary>
    public int FirstRow { get; private set; }

    public void TrainAt(long step, int firstRow = 0)
    {
        Training = true;
        Step = step;
        FirstRow = firstRow;
    }

    public void Evaluate() => Training = false;
}

/// <summary>
/// A declared state tensor of a layer, saved with the model but not trained: float state lives on the device
/// (running statistics), an int64 counter on the host.
/// </summary>
public sealed class StateTensor : IDisposable
{
    public StateTensor(ComputeBackend backend, string name, TensorDeclaration declaration, float[] initial)
    {
        Name = name;
        Declaration = declaration;
        if (declaration.Element == TensorElement.Int64)
        {
            Counters = new long[declaration.Count];
        }
        else
        {
            Values = backend.Allocate<float>(declaration.Count);
            backend.Upload<float>(Values, initial);
        }
    }

    /// <summary>Its name in the model file: "bn1.running_mean".</summary>
    public string Name { get; }

    public TensorDeclaration Declaration { get; }

    /// <summary>A float tensor's elements on the device; null for an int64 counter.</summary>
    public DeviceBuffer<float>? Values { get; }

    /// <summary>An int64 counter's elements; null for a float tensor.</summary>
    public long[]? Counters { get; }

    public void Dispose() => Values?.Dispose();
}

/// <summary>
/// What building one node's runtime layer takes: the backend, the node, its tensors (allocated and started), the model's mode
/// and seed, and the activation the runtime layer applies to its output (see <see cref="Network"/>: usually the node's fused
/// one, but a ReLU before a max-pooling runs after it), whether an element-wise layer may write over its input, and whether
/// an activation may write over the gradient it receives.
/// </summary>
public sealed class LayerBuild(ComputeBackend backend, GraphNode node, IReadOnlyList<Parameter> parameters, IReadOnlyList<StateTensor> state,
    ModelMode mode, int seed, Activation? fused, bool inPlace = false, bool gradientInPlace = false)
{
    public ComputeBackend Backend { get; } = backend;

    public GraphNode Node { get; } = node;

    public FeatureShape Input => Node.InputShape;

    public FeatureShape Output => Node.OutputShape;

    /// <summary>The activation the layer applies to its output, or null.</summary>
    public Activation? Fused { get; } = fused;

    public ModelMode Mode { get; } = mode;

    /// <summary>Whether the layer may write its output over its input (see <see cref="Network"/>).</summary>
    public bool InPlace { get; } = inPlace;

    /// <summary>Whether the layer may write its input gradient over the gradient it receives (see <see cref="Network"/>).</summary>
    public bool GradientInPlace { get; } = gradientInPlace;

    public int Seed { get; } = seed;

    public IReadOnlyList<StateTensor> State { get; } = state;

    /// <summary>The node's parameter declared as <paramref name="name"/> ("weight").</summary>
    public Parameter Parameter(string name) =>
        parameters.FirstOrDefault(parameter => parameter.Name == $"{Node.Module}.{name}")
        ?? throw new InvalidOperationException($"layer {Node.Module} declares no parameter {name}");
}
