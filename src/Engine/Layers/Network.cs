using Descent.Engine.Models;
using Descent.Engine.Tensors;
using Descent.Kernels;

namespace Descent.Engine.Layers;

/// <summary>
/// A model's graph on a backend: every node's runtime layer, its parameters in one store (allocated first,
/// each parameter started in its final place) and its state. The forward runs the nodes in graph order; the
/// backward in reverse, and a value read by several nodes receives the sum of their gradients, added in
/// a fixed order (the readers' reverse graph order) so that results are bit-reproducible.
/// </summary>
public sealed class Network : IDisposable
{
    private readonly ComputeBackend backend;
    private readonly ILayer[] layers;
    private readonly Tensor[][] nodeInputs;
    private readonly int[][] inputSlots;
    private readonly bool[] needsInputGradient;
    private readonly Tensor?[] pending;
    private readonly int[] sumsUsed;
    private readonly bool[] sumsInPlace;
    private readonly int[] sumBuffers;
    private Tensor[][] gradientSums;
    private readonly List<StateTensor> state = [];

    /// <param name="layersInPlace">Whether element-wise layers may write over their inputs and activations over the
    /// gradients they receive where nothing else reads them (<see cref="InPlaceLayers"/>, <see cref="InPlaceActivationGradients"/>),
    /// and gradient sums over a layer's own input gradient; off only to check that it changes no value.</param>
    public Network(ComputeBackend backend, ModelGraph graph, int seed, bool layersInPlace = true)
    {
        this.backend = backend;
        Graph = graph;
        var random = new Random(seed);
        // Every tensor's initial values, node by node in declaration order, drawn from the one seeded generator.
        var initial = graph.Nodes.Select(node => node.Tensors.Select(entry => (entry.Name, entry.Tensor, Values: entry.Tensor.Initial(random))).ToArray())
            .ToArray();
        layers = new ILayer[graph.Nodes.Count];
        try
        {
            var parameters = initial.SelectMany(tensors => tensors).Where(entry => entry.Tensor.Role == TensorRole.Parameter)
                .Select(entry => (entry.Name, entry.Tensor.Shape, entry.Values)).ToList();
            Store = parameters.Count > 0 ? ParameterStore.Create(backend, parameters) : null;
            var activations = RuntimeActivations(graph);
            var inPlace = layersInPlace ? InPlaceLayers(graph, activations) : new bool[graph.Nodes.Count];
            var gradientInPlace = layersInPlace ? InPlaceActivationGradients(graph) : new bool[graph.Nodes.Count];
            foreach (var node in graph.Nodes)
            {
                var nodeState = initial[node.Index].Where(entry => entry.Tensor.Role == TensorRole.State)
                    .Select(entry => new StateTensor(backend, entry.Name, entry.Tensor, entry.Values)).ToArray();
                state.AddRange(nodeState);
                layers[node.Index] = node.Spec.Build(new LayerBuild(backend, node, Parameters, nodeState, Mode, seed, activations[node.Index],
                    inPlace[node.Index], gradientInPlace[node.Index]));
            }
        }
        catch
        {
            Dispose();
            throw;
        }
        nodeInputs = graph.Nodes.Select(node => new Tensor[node.Inputs.Count]).ToArray();
        // Arrays, not the graph's lists, for the step: walking an IReadOnlyList allocates an enumerator.
        inputSlots = graph.Nodes.Select(node => node.Inputs.Select(input => input.Node + 1).ToArray()).ToArray();
        // Nobody needs the gradient of the model's input: the data.
        needsInputGradient = graph.Nodes.Select(node => node.Inputs.Any(input => input.Node != GraphValue.InputNode)).ToArray();
        sumsInPlace = graph.Nodes.Select(node => layersInPlace && node.Spec.InputGradientOwned).ToArray();
        sumBuffers = SumBuffers(graph, sumsInPlace);
        pending = new Tensor?[graph.Nodes.Count + 1];
        sumsUsed = new int[graph.Nodes.Count + 1];
        gradientSums = [];
    }

    public ModelGraph Graph { get; }

    /// <summary>Training or evaluation, read by every layer.</summary>
    public ModelMode Mode { get; } = new();

    /// <summary>The one buffer pair every parameter lives in (null for a model without parameters).</summary>
    public ParameterStore? Store { get; }

    public IReadOnlyList<Parameter> Parameters => Store?.Parameters ?? [];

    /// <summary>Every state tensor (saved, not trained), in declaration order.</summary>
    public IReadOnlyList<StateTensor> State => state;

    /// <summary>The runtime layers, in graph order.</summary>
    public IReadOnlyList<ILayer> Layers => layers;

    public int InputWidth => (int)Graph.Input.Features;

    public int OutputWidth => (int)Graph.Output.Shape.Features;

    public int ParameterCount => Parameters.Sum(p => p.Count);

    /// <summary>
    /// Sizes every layer's buffers for batches of up to <paramref name="maxRows"/> rows, and one gradient sum
    /// for each further reader of a value that several nodes read.
    /// </summary>
    public void Prepare(int maxRows)
    {
        foreach (var layer in layers)
        {
            layer.Prepare(maxRows);
        }
        DisposeSums();
        // The model's input (slot 0) takes no gradient, so it needs no sums.
        gradientSums = sumBuffers.Select((count, value) => Enumerable.Range(0, count)
            .Select(_ => new Tensor(backend, maxRows, (int)ValueShape(value - 1).Features)).ToArray()).ToArray();
    }

    /// <summary>Puts the model in training mode for global step <paramref name="step"/> (from 0 over the whole run): dropout draws that step's masks.</summary>
    public void TrainAt(long step, int firstRow = 0) => Mode.TrainAt(step, firstRow);

    /// <summary>Puts the model in evaluation mode, where dropout passes its input on; a model starts in it.</summary>
    public void Evaluate() => Mode.Evaluate();

    public Tensor Forward(Tensor input, int rows)
    {
        var values = pending;
        values[0] = input;
        for (var index = 0; index < layers.Length; index++)
        {
            var inputs = nodeInputs[index];
            var slots = inputSlots[index];
            for (var i = 0; i < inputs.Length; i++)
            {
                inputs[i] = values[slots[i]]!;
            }
            values[index + 1] = layers[index].Forward(inputs, rows);
        }
        var output = values[Graph.Output.Node + 1]!;
        Array.Clear(values);
        return output;
    }

    /// <summary>Backpropagates dLoss/dOutput through every node, writing parameter gradients.</summary>
    public void Backward(Tensor outputGradient, int rows)
    {
        Array.Clear(pending);
        Array.Clear(sumsUsed);
        pending[Graph.Output.Node + 1] = outputGradient;
        for (var index = layers.Length - 1; index >= 0; index--)
        {
            if (pending[index + 1] is not { } gradient)
            {
                continue;
            }
            var inputGradient = layers[index].Backward(gradient, rows, needsInputGradient[index]);
            if (inputGradient is null)
            {
                continue;
            }
            foreach (var slot in inputSlots[index])
            {
                if (slot != 0)
                {
                    Accumulate(slot, inputGradient, rows, sumsInPlace[index]);
                }
            }
        }
        Array.Clear(pending);
    }

    public void Dispose()
    {
        foreach (var layer in layers)
        {
            layer?.Dispose();
        }
        foreach (var tensor in state)
        {
            tensor.Dispose();
        }
        DisposeSums();
        Store?.Dispose();
    }

    /// <summary>
    /// Adds <paramref name="gradient"/> to what value <paramref name="slot"/> has received so far: into the gradient itself
    /// where its layer owns it (<paramref name="overwrite"/>: only this value reads it), else into one of the value's sums.
    /// </summary>
    private void Accumulate(int slot, Tensor gradient, int rows, bool overwrite)
    {
        if (pending[slot] is not { } earlier)
        {
            pending[slot] = gradient;
            return;
        }
        var sum = overwrite ? gradient : gradientSums[slot][sumsUsed[slot]++];
        backend.Add(earlier.Buffer, gradient.Buffer, sum.Buffer, rows * sum.Columns);
        pending[slot] = sum;
    }

    /// <summary>
    /// The activation each node's runtime layer applies to its output: the one fused into it, except that a ReLU whose
    /// output only a max-pooling reads moves past the pooling. max(relu(a), relu(b), ...) = relu(max(a, b, ...)) exactly,
    /// and the gradients agree too (a window whose maximum is positive routes it to the same element either way; one whose
    /// maximum is not positive passes no gradient either way), so the model computes the same bits while the ReLU's
    /// backward pass, a full read and write of its input, runs on the pooled tensor: a quarter of it for 2x2 windows. Only
    /// ReLU: a strictly increasing activation can round two different inputs to one output and so move a tie, and with it
    /// the gradient, to another element of the window.
    /// </summary>
    private static Activation?[] RuntimeActivations(ModelGraph graph)
    {
        var activations = graph.Nodes.Select(node => node.FusedActivation).ToArray();
        var readers = graph.ReaderCounts();
        foreach (var node in graph.Nodes)
        {
            if (activations[node.Index] != Activation.Relu || readers[node.Index + 1] != 1 || graph.Output.Node == node.Index)
            {
                continue;
            }
            // Graph order puts the only reader after the node; walking in order lets a ReLU move through several poolings.
            var reader = graph.ReadersOf(node.Index).First();
            if (reader.Spec is MaxPool2dLayerSpec && activations[reader.Index] is null)
            {
                activations[reader.Index] = Activation.Relu;
                activations[node.Index] = null;
            }
        }
        return activations;
    }

    /// <summary>
    /// Which element-wise layers (<see cref="LayerSpec.RunsInPlace"/>: activations, residual sums) write their output over
    /// their first input: where that input is a node's output that only they read, from a layer that owns it and never reads
    /// it again (<see cref="LayerSpec.OutputFreeAfterForward"/>: batch normalisation, a residual sum), and that applies no
    /// activation of its own. An activation's backward reads its own output, which is then that buffer, untouched until the
    /// next forward. Every value computed is the same; the model saves a buffer per such layer and its forward writes to
    /// lines it has just read.
    /// </summary>
    private static bool[] InPlaceLayers(ModelGraph graph, Activation?[] activations)
    {
        var readers = graph.ReaderCounts();
        return graph.Nodes.Select(node => node.Spec.RunsInPlace && node.Inputs[0].Node is var source and not GraphValue.InputNode
            && readers[source + 1] == 1 && graph.Output.Node != source && graph.Nodes[source].Spec.OutputFreeAfterForward
            && activations[source] is null).ToArray();
    }

    /// <summary>
    /// Which activation layers write their input gradient over the gradient they receive: those whose output several nodes
    /// read (the gradient is then one of this model's sums, made for this node alone) or one node whose backward returns a
    /// buffer of its own (<see cref="LayerSpec.InputGradientOwned"/>), not the model's output (whose gradient the loss
    /// owns). A residual sum hands the gradient it receives to both its inputs, so an activation it alone reads keeps its
    /// own buffer.
    /// </summary>
    private static bool[] InPlaceActivationGradients(ModelGraph graph)
    {
        var readers = graph.ReaderCounts();
        return graph.Nodes.Select(node => node.Spec is ActivationLayerSpec && graph.Output.Node != node.Index
            && (readers[node.Index + 1] > 1 || (readers[node.Index + 1] == 1
                && graph.ReadersOf(node.Index).First().Spec.InputGradientOwned))).ToArray();
    }

    /// <summary>
    /// The sums each value needs (index 0 the model's input, then node i at i + 1): one per reader after the first whose
    /// gradient arrives (readers report in reverse graph order), but for those whose layers own their input gradient,
    /// where the sum is written over it.
    /// </summary>
    private static int[] SumBuffers(ModelGraph graph, bool[] sumsInPlace)
    {
        var counts = new int[graph.Nodes.Count + 1];
        foreach (var value in graph.Nodes.Select(node => node.Index))
        {
            var later = graph.ReadersOf(value).SkipLast(1);
            counts[value + 1] = later.Count(reader => !sumsInPlace[reader.Index]);
        }
        return counts;
    }

    private FeatureShape ValueShape(int node) => node == GraphValue.InputNode ? Graph.Input : Graph.Nodes[node].OutputShape;

    private void DisposeSums()
    {
        foreach (var tensor in gradientSums.SelectMany(sums => sums))
        {
            tensor.Dispose();
        }
        gradientSums = [];
    }
}
