using Descent.Engine.Files;
using Descent.Engine.Models;

namespace Descent.Engine.Onnx;

/// <summary>What a layer needs to write its ONNX nodes: the graph so far, its node, the names of its inputs and the model's tensors.</summary>
public sealed class OnnxEmit(OnnxGraphBuilder graph, GraphNode node, IReadOnlyList<string> inputs, IReadOnlyDictionary<string, NamedTensor> tensors)
{
    public OnnxGraphBuilder Graph { get; } = graph;

    public GraphNode Node { get; } = node;

    public IReadOnlyList<string> Inputs { get; } = inputs;

    public string Input => Inputs[0];

    /// <summary>The name of the node's ONNX node: its module path.</summary>
    public string NodeName => Node.Module;

    /// <summary>The name of what the node outputs.</summary>
    public string OutputName => $"{Node.Module}.output";

    /// <summary>Adds the node's declared tensor <paramref name="name"/> as a constant; returns its graph name ("fc1.weight").</summary>
    public string Tensor(string name)
    {
        var fullName = $"{Node.Module}.{name}";
        var tensor = tensors[fullName];
        return Graph.AddConstant(fullName, tensor.Shape, tensor.Values);
    }
}
