using Descent.Engine.Files;
using Descent.Engine.Layers;
using Descent.Kernels;

namespace Descent.Engine.Optimizers;

/// <summary>Which parameters an optimizer's weight decay applies to.</summary>
public enum DecayScope
{
    /// <summary>Every parameter, as PyTorch decays one parameter group.</summary>
    All,

    /// <summary>
    /// Parameters of two or more dimensions only (convolution kernels, linear matrices): biases and batch-norm weights and
    /// biases, of one dimension, are not decayed, as the usual parameter groups of timm's and torchvision's recipes have it.
    /// </summary>
    Weights,
}

/// <summary>
/// Updates a model's parameters in place from their gradients; all state lives on the device. Parameters
/// packed in one <see cref="ParameterStore"/> (every model's are) are updated as one array: one launch a
/// step, whatever the number of layers, or, when the weight decay spares some parameters, one launch per
/// run of neighbours that are decayed alike. Others are updated one by one.
/// </summary>
public abstract class Optimizer : IDisposable
{
    protected Optimizer(ComputeBackend backend, IReadOnlyList<Parameter> parameters, DecayScope decayScope = DecayScope.All)
    {
        Backend = backend;
        Parameters = parameters.ToArray();
        DecayScope = decayScope;
        Targets = ParameterStore.Holding(Parameters) is { } store
            ? decayScope == DecayScope.All ? [new UpdateTarget(store.Values, store.Gradients, store.Length, Decayed: true)] : DecayRuns(store)
            : Parameters.Select(p => new UpdateTarget(p.Value, p.Gradient, p.Count, Decays(p))).ToArray();
    }

    /// <summary>Which parameters the weight decay applies to.</summary>
    public DecayScope DecayScope { get; }

    /// <summary>Whether the weight decay applies to <paramref name="parameter"/>.</summary>
    public bool Decays(Parameter parameter) => DecayScope == DecayScope.All || parameter.Shape.Count >= 2;

    /// <summary>
    /// The store cut into runs of neighbouring parameters that are decayed alike, each run taking the alignment gap after
    /// its last parameter (zeros that stay zero under any update), so the runs cover the store end to end.
    /// </summary>
    private UpdateTarget[] DecayRuns(ParameterStore store)
    {
        var starts = new List<(int Offset, bool Decayed)>();
        foreach (var parameter in store.Parameters)
        {
            var decayed = Decays(parameter);
            if (starts.Count == 0 || starts[^1].Decayed != decayed)
            {
                starts.Add((parameter.Value.Offset - store.Values.Offset, decayed));
            }
        }
        return starts.Select((start, i) =>
        {
            var end = i + 1 < starts.Count ? starts[i + 1].Offset : store.Length;
            return new UpdateTarget(Backend.Slice(store.Values, start.Offset, end - start.Offset),
                Backend.Slice(store.Gradients, start.Offset, end - start.Offset), end - start.Offset, start.Decayed);
        }).ToArray();
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

    /// <summary>Update steps taken so far (AdamW's bias corrections depend on it; SGD keeps it for the record).</summary>
    public long StepsTaken { get; private set; }

    /// <summary>
    /// The state that decides the next updates, read back from the device: each kind of buffer (PyTorch's
    /// names: momentum_buffer; exp_avg and exp_avg_sq) as one tensor per update target, named "kind.target".
    /// </summary>
    public IReadOnlyList<NamedTensor> ExportState() =>
        StateBuffers.SelectMany(kind => kind.Buffers.Select((buffer, target) =>
        {
            var values = new float[buffer.Length];
            Backend.Download(buffer, values);
            return new NamedTensor($"{kind.Name}.{target}", [values.Length], values);
        })).ToList();

    /// <summary>
    /// Restores what <see cref="ExportState"/> gave and the step count; every tensor must be there with its
    /// size and nothing else, else bad input naming <paramref name="source"/>.
    /// </summary>
    public void ImportState(IReadOnlyList<NamedTensor> state, long stepsTaken, string source)
    {
        if (stepsTaken < 0)
        {
            throw new InvalidInputException($"{source}: a negative step count ({stepsTaken})");
        }
        var byName = state.ToDictionary(tensor => tensor.Name);
        var expected = StateBuffers.SelectMany(kind => kind.Buffers.Select((buffer, target) => ($"{kind.Name}.{target}", buffer))).ToList();
        foreach (var (name, buffer) in expected)
        {
            if (!byName.TryGetValue(name, out var tensor) || tensor.Values.Length != buffer.Length)
            {
                throw new InvalidInputException($"{source} has no {Name} state {name} of {buffer.Length} values, which this model needs");
            }
        }
        var extra = byName.Keys.Except(expected.Select(entry => entry.Item1)).FirstOrDefault();
        if (extra is not null)
        {
            throw new InvalidInputException($"{source} holds optimizer state {extra}, which {Name} on this model does not have");
        }
        foreach (var (name, buffer) in expected)
        {
            Backend.Upload<float>(buffer, byName[name].Values);
        }
        StepsTaken = stepsTaken;
    }

    /// <summary>The state buffers by kind, one buffer per update target.</summary>
    protected abstract IReadOnlyList<(string Name, DeviceBuffer<float>[] Buffers)> StateBuffers { get; }

    /// <summary>Every optimizer's rule for its weight decay: a finite number, 0 or more.</summary>
    protected static void CheckWeightDecay(float weightDecay)
    {
        if (weightDecay < 0f || !float.IsFinite(weightDecay))
        {
            throw new InvalidInputException($"weight decay must be 0 or more, got {weightDecay}");
        }
    }

    /// <summary>Counts a step; returns its number, from 1.</summary>
    protected long CountStep() => ++StepsTaken;

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

    /// <summary>Values and gradients that one update launch covers, <paramref name="Count"/> elements of each, and whether the weight decay applies to them.</summary>
    protected readonly record struct UpdateTarget(DeviceBuffer<float> Value, DeviceBuffer<float> Gradient, int Count, bool Decayed);
}
