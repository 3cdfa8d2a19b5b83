using System.Globalization;
using Descent.Engine.Layers;
using Descent.Kernels;

namespace Descent.Engine.Models;

/// <summary>A tensor of the graph: the output of node <see cref="Node"/>, or the model's input where it is <see cref="GraphValue.InputNode"/>.</summary>
public readonly record struct GraphValue(int Node, FeatureShape Shape)
{
    public const int InputNode = -1;
}

/// <summary>
/// One layer of a model's graph: its spec, its module path as PyTorch names it ("0", "fc1", "2.body.0"), the
/// values it reads, its output's shape, the activation fused into it (with that activation's own module
/// path, for its ONNX node), and the stream its random masks draw from (unique in the model).
/// </summary>
public sealed record GraphNode(int Index, LayerSpec Spec, string Module, IReadOnlyList<GraphValue> Inputs, FeatureShape OutputShape,
    FusedActivation? Fused, uint Stream)
{
    public Activation? FusedActivation => Fused?.Activation;

    public FeatureShape InputShape => Inputs[0].Shape;

    /// <summary>The tensors the node owns, each under its full name in the model file ("fc1.weight").</summary>
    public IReadOnlyList<(string Name, TensorDeclaration Tensor)> Tensors =>
        Spec.Tensors(InputShape).Select(tensor => ($"{Module}.{tensor.Name}", tensor)).ToArray();
}

/// <summary>An activation run inside the layer before it, under its own module path (its ONNX node's name).</summary>
public sealed record FusedActivation(Activation Activation, string Module);

/// <summary>
/// Builds a <see cref="ModelGraph"/> from layer lists. A list is a stack, as PyTorch's nn.Sequential: layer i
/// reads layer i-1, and is module i under the list's prefix unless its spec names it. A layer that fuses an
/// activation takes the activation that follows it inside (the activation keeps its module index).
/// </summary>
public sealed class GraphBuilder
{
    private readonly List<GraphNode> nodes = [];
    private uint nextStream;

    public IReadOnlyList<GraphNode> Nodes => nodes;

    /// <summary>Adds <paramref name="layers"/> as a stack reading <paramref name="input"/>; modules are named "{prefix}{index}".</summary>
    public GraphValue AddSequence(IReadOnlyList<LayerSpec> layers, GraphValue input, string prefix)
    {
        var value = input;
        for (var i = 0; i < layers.Count; i++)
        {
            var module = prefix + (layers[i].Name ?? i.ToString(CultureInfo.InvariantCulture));
            FusedActivation? fused = null;
            if (layers[i].FusesActivation && i + 1 < layers.Count && layers[i + 1] is ActivationLayerSpec next)
            {
                fused = new FusedActivation(next.Activation, prefix + (next.Name ?? (i + 1).ToString(CultureInfo.InvariantCulture)));
            }
            value = layers[i].Expand(this, value, module, fused);
            if (fused is not null)
            {
                i++;
                nextStream++;
            }
        }
        return value;
    }

    /// <summary>Adds one node of <paramref name="spec"/> reading <paramref name="inputs"/>; returns its output.</summary>
    public GraphValue AddNode(LayerSpec spec, IReadOnlyList<GraphValue> inputs, string module, FusedActivation? fused)
    {
        var output = spec.OutputShape(inputs[0].Shape);
        var node = new GraphNode(nodes.Count, spec, module, inputs.ToArray(), output, fused, nextStream++);
        nodes.Add(node);
        return new GraphValue(node.Index, output);
    }
}

/// <summary>
/// A model as a directed acyclic graph of layers in an order where every node comes after the values it
/// reads: what <see cref="ModelSpec"/> expands to. The model's runtime (<see cref="Network"/>), its file's
/// names and shapes, its ONNX export and the memory plan are all read off this one graph.
/// </summary>
public sealed class ModelGraph
{
    private ModelGraph(FeatureShape input, IReadOnlyList<GraphNode> nodes, GraphValue output)
    {
        Input = input;
        Nodes = nodes;
        Output = output;
    }

    public FeatureShape Input { get; }

    public IReadOnlyList<GraphNode> Nodes { get; }

    public GraphValue Output { get; }

    /// <summary>The graph of a stack of <paramref name="layers"/> on inputs of <paramref name="input"/>.</summary>
    public static ModelGraph Of(FeatureShape input, IReadOnlyList<LayerSpec> layers)
    {
        var builder = new GraphBuilder();
        var output = builder.AddSequence(layers, new GraphValue(GraphValue.InputNode, input), "");
        if (builder.Nodes.Count == 0)
        {
            throw new InvalidInputException("a model needs at least one layer");
        }
        return new ModelGraph(input, builder.Nodes, output);
    }

    /// <summary>Every tensor of the model under its file name, in the order they are drawn and stored.</summary>
    public IReadOnlyList<(string Name, TensorDeclaration Tensor)> Tensors => Nodes.SelectMany(node => node.Tensors).ToArray();

    /// <summary>The nodes that read node <paramref name="node"/>'s output, in graph order.</summary>
    public IEnumerable<GraphNode> ReadersOf(int node) => Nodes.Where(reader => reader.Inputs.Any(input => input.Node == node));

    /// <summary>How many nodes read each value (index 0 is the model's input, then node i at i + 1).</summary>
    public int[] ReaderCounts()
    {
        var counts = new int[Nodes.Count + 1];
        foreach (var node in Nodes)
        {
            foreach (var input in node.Inputs)
            {
                counts[input.Node + 1]++;
            }
        }
        return counts;
    }
}
