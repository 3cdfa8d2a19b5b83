using Descent.Engine.Files;
using Descent.Engine.Models;

namespace Descent.Engine.Onnx;

/// <summary>What a layer needs to write its ONNX nodes: the graph so far, its node, the names of its inputs and the model's tensors.</summary>
public sealed class OnnxEmit(OnnxGraphBuilder graph, ModelGraph model, GraphNode node, IReadOnlyList<string> inputs,
    IReadOnlyDictionary<string, NamedTensor> tensors)
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

    /// <summary>
    /// Whether the node's first input is a matrix [N, F] in the graph: the exporter flattens a model's input on rows,
    /// and a linear layer or flatten outputs one; a convolution or pooling outputs [N, C, H, W] even where the engine
    /// reads C x 1 x 1 as a row (after global pooling), and an element-wise layer keeps what it reads.
    /// </summary>
    public bool InputIsMatrix => IsMatrix(Node.Inputs[0].Node);

    private bool IsMatrix(int producer) => producer == GraphValue.InputNode
        ? model.Input.IsFlat
        : model.Nodes[producer].Spec switch
        {
            Layers.LinearLayerSpec or Layers.FlattenLayerSpec => true,
            Layers.ActivationLayerSpec or Layers.DropoutLayerSpec or Layers.AddLayerSpec or Layers.BatchNormLayerSpec =>
                IsMatrix(model.Nodes[producer].Inputs[0].Node),
            _ => false,
        };
}
