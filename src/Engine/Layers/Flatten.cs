using System.Text.Json.Nodes;
using Descent.Engine.Models;
using Descent.Engine.Onnx;
using Descent.Engine.Tensors;
using static Descent.Engine.Onnx.OnnxGraphBuilder;

namespace Descent.Engine.Layers;

/// <summary>PyTorch's nn.Flatten(): an image becomes a row of its channels x height x width features, a view of the same data.</summary>
public sealed record FlattenLayerSpec : LayerSpec
{
    public const string TypeName = "flatten";

    public static readonly LayerKind Kind = new([TypeName], "flatten, an image to a row of its features",
        (token, _) => token == TypeName ? new FlattenLayerSpec() : null,
        _ => new FlattenLayerSpec());

    public override string Type => TypeName;

    public override string Token => TypeName;

    public override FeatureShape OutputShape(FeatureShape input) => FeatureShape.Flat(checked((int)input.Features));

    public override ILayer Build(LayerBuild build) => new Flatten();

    public override string EmitOnnx(OnnxEmit emit) =>
        emit.Graph.AddNode("Flatten", emit.NodeName, [emit.Input], emit.OutputName, IntAttribute("axis", 1));

    protected override IEnumerable<(string, JsonNode?)> Settings() => [];
}

/// <summary>
/// A batch is already rows of features in NCHW order, so flattening is a view: forward and backward hand
/// their tensor on, copying nothing.
/// </summary>
public sealed class Flatten : ILayer
{
    public void Prepare(int maxRows)
    {
    }

    public Tensor Forward(ReadOnlySpan<Tensor> inputs, int rows) => inputs[0];

    public Tensor? Backward(Tensor outputGradient, int rows, bool needInputGradient) => needInputGradient ? outputGradient : null;

    public void Dispose()
    {
    }
}
