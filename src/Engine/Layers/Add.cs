using System.Text.Json.Nodes;
using Descent.Engine.Models;
using Descent.Engine.Onnx;
using Descent.Engine.Tensors;
using Descent.Kernels;

namespace Descent.Engine.Layers;

/// <summary>
/// y = a + b over two values of one shape: where a residual block joins its branches. Only blocks make it
/// (it reads two values, which a stack cannot name), so it has no token and no JSON form of its own.
/// </summary>
public sealed record AddLayerSpec : LayerSpec
{
    public static readonly LayerKind Kind = new([], null, (_, _) => null,
        _ => throw new InvalidInputException("an add layer is made by a residual block, not written in a spec"));

    public override string Type => "add";

    public override string Token => "add";

    // Its backward hands dY on and reads nothing else.
    public override bool OutputFreeAfterForward => true;

    public override bool RunsInPlace => true;

    public override FeatureShape OutputShape(FeatureShape input) => input;

    public override ILayer Build(LayerBuild build) => new AddLayer(build.Backend, (int)build.Output.Features, build.InPlace);

    public override string EmitOnnx(OnnxEmit emit) => emit.Graph.AddNode("Add", emit.NodeName, emit.Inputs, emit.OutputName);

    protected override IEnumerable<(string, JsonNode?)> Settings() => [];
}

/// <summary>
/// y = a + b; its backward hands dY to both inputs unchanged, so it computes nothing. In place (where <see cref="Network"/>
/// finds that nothing else reads a), y is written over a.
/// </summary>
public sealed class AddLayer(ComputeBackend backend, int width, bool inPlace = false) : ILayer
{
    private Tensor? output;

    /// <summary>Whether y is written over the first input.</summary>
    public bool InPlace { get; } = inPlace;

    public void Prepare(int maxRows)
    {
        Dispose();
        output = InPlace ? null : new Tensor(backend, maxRows, width);
    }

    public Tensor Forward(ReadOnlySpan<Tensor> inputs, int rows)
    {
        var y = InPlace ? inputs[0] : output ?? throw new InvalidOperationException("AddLayer used before Prepare");
        backend.Add(inputs[0].Buffer, inputs[1].Buffer, y.Buffer, rows * width);
        return y;
    }

    // d(a + b)/da = d(a + b)/db = 1: both inputs receive dY itself.
    public Tensor? Backward(Tensor outputGradient, int rows, bool needInputGradient) => needInputGradient ? outputGradient : null;

    public void Dispose() => output?.Dispose();
}
