using System.Text.Json.Nodes;
using Descent.Engine.Models;
using Descent.Engine.Onnx;
using Descent.Engine.Tensors;
using Descent.Kernels;
using static Descent.Engine.Onnx.OnnxGraphBuilder;

namespace Descent.Engine.Layers;

/// <summary>An element-wise nonlinearity, PyTorch's nn.ReLU, nn.Sigmoid, ...: its input's shape.</summary>
public sealed record ActivationLayerSpec(Activation Activation) : LayerSpec
{
    public static readonly LayerKind Kind = new(CliNames.All<Activation>(),
        $"an activation ({string.Join(", ", CliNames.All<Activation>())})",
        (token, _) => CliNames.All<Activation>().Contains(token) ? new ActivationLayerSpec(CliNames.Parse<Activation>(token, "activation")) : null,
        json => new ActivationLayerSpec(CliNames.Parse<Activation>(StringField(json, "type"), "activation")));

    public override string Type => CliNames.Of(Activation);

    public override string Token => Type;

    public override bool RunsInPlace => true;

    public override FeatureShape OutputShape(FeatureShape input) => input;

    public override ILayer Build(LayerBuild build) =>
        new ActivationLayer(build.Backend, Activation, (int)build.Input.Features, build.InPlace, build.GradientInPlace);

    public override string EmitOnnx(OnnxEmit emit) => Emit(emit.Graph, Activation, emit.NodeName, emit.Input, emit.OutputName);

    /// <summary>The ONNX node of <paramref name="activation"/>: a layer's own, or one fused into the layer before it.</summary>
    public static string Emit(OnnxGraphBuilder graph, Activation activation, string nodeName, string input, string output) => activation switch
    {
        Activation.Relu => graph.AddNode("Relu", nodeName, [input], output),
        Activation.Sigmoid => graph.AddNode("Sigmoid", nodeName, [input], output),
        Activation.Tanh => graph.AddNode("Tanh", nodeName, [input], output),
        // Every backend's leaky ReLU uses PyTorch's default negative slope.
        Activation.LeakyRelu => graph.AddNode("LeakyRelu", nodeName, [input], output, FloatAttribute("alpha", 0.01f)),
        _ => throw new InvalidInputException($"the activation {CliNames.Of(activation)} has no ONNX operator in Descent's exporter"),
    };

    protected override IEnumerable<(string, JsonNode?)> Settings() => [];
}

/// <summary>
/// ReLU, sigmoid or tanh, element-wise, as a layer of its own; the backward works from the saved output y. In place (where
/// <see cref="Network"/> finds that nothing else reads the input, as PyTorch's ReLU(inplace=True) in torchvision's ResNets),
/// y is written over x: no buffer of its own, and the write lands on lines just read instead of fresh ones. Likewise dX over
/// dY where nothing else reads the gradient received.
/// </summary>
public sealed class ActivationLayer(ComputeBackend backend, Activation activation, int width, bool inPlace = false, bool gradientInPlace = false)
    : ILayer
{
    private Tensor? ownOutput;
    private Tensor? output;
    private Tensor? inputGradient;

    public Activation Activation { get; } = activation;

    /// <summary>Whether y is written over x.</summary>
    public bool InPlace { get; } = inPlace;

    /// <summary>Whether dX is written over dY.</summary>
    public bool GradientInPlace { get; } = gradientInPlace;

    public void Prepare(int maxRows)
    {
        Dispose();
        ownOutput = InPlace ? null : new Tensor(backend, maxRows, width);
        inputGradient = GradientInPlace ? null : new Tensor(backend, maxRows, width);
    }

    public Tensor Forward(ReadOnlySpan<Tensor> inputs, int rows)
    {
        output = InPlace ? inputs[0] : ownOutput ?? throw NotPrepared();
        // y = f(x), element by element
        backend.ActivationForward(Activation, inputs[0].Buffer, output.Buffer, rows * width);
        return output;
    }

    public Tensor? Backward(Tensor outputGradient, int rows, bool needInputGradient)
    {
        if (!needInputGradient)
        {
            return null;
        }
        var dx = GradientInPlace ? outputGradient : inputGradient ?? throw NotPrepared();
        // dx = dy * f'(x), written through y = f(x)
        backend.ActivationBackward(Activation, outputGradient.Buffer, (output ?? throw NotPrepared()).Buffer, dx.Buffer, rows * width);
        return dx;
    }

    public void Dispose()
    {
        ownOutput?.Dispose();
        inputGradient?.Dispose();
    }

    private static InvalidOperationException NotPrepared() => new("ActivationLayer used before Prepare");
}
