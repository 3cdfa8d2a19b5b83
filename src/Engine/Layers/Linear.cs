using System.Globalization;
using System.Text.Json.Nodes;
using Descent.Engine.Models;
using Descent.Engine.Onnx;
using Descent.Engine.Tensors;
using Descent.Kernels;

namespace Descent.Engine.Layers;

/// <summary>A fully connected layer, PyTorch's nn.Linear: <paramref name="Width"/> outputs, weights started by <paramref name="Init"/>.</summary>
public sealed record LinearLayerSpec(int Width, LinearInit Init) : LayerSpec
{
    public const string TypeName = "linear";

    public static readonly LayerKind Kind = new([TypeName], "N, a linear layer of N outputs (128)",
        (token, _) => PositiveInt(token) is { } width ? new LinearLayerSpec(width, LinearInit.PyTorchDefault) : null,
        json => new LinearLayerSpec(IntField(json, "outputs"), LinearInit.Parse(StringField(json, "init"))));

    public override string Type => TypeName;

    public override string Token => Width.ToString(CultureInfo.InvariantCulture);

    public override FeatureShape OutputShape(FeatureShape input) => input.IsFlat
        ? FeatureShape.Flat(Width)
        : throw new InvalidInputException($"a linear layer takes a row of features, not a {input} image: put flatten before it");

    public override IReadOnlyList<TensorDeclaration> Tensors(FeatureShape input)
    {
        var inputs = (int)input.Features;
        return
        [
            TensorDeclaration.Parameter("weight", [Width, inputs], random => Init.Weights(inputs, Width, random)),
            TensorDeclaration.Parameter("bias", [Width], random => Init.Biases(inputs, Width, random)),
        ];
    }

    public override bool FusesActivation => true;

    // Its backward returns its input gradient in a buffer of its own.
    public override bool InputGradientOwned => true;

    public override ILayer Build(LayerBuild build) =>
        new Linear(build.Backend, build.Parameter("weight"), build.Parameter("bias"), (int)build.Input.Features, Width, build.Fused);

    // Y = X W^T + b; the weight is stored [out, in] as PyTorch stores it, so Gemm transposes it. Gemm takes a matrix: a row
    // the engine reads off an image-shaped value (C x 1 x 1 after global pooling) is flattened first.
    public override string EmitOnnx(OnnxEmit emit)
    {
        var input = emit.InputIsMatrix
            ? emit.Input
            : emit.Graph.AddNode("Flatten", $"{emit.NodeName}.flatten", [emit.Input], $"{emit.NodeName}.flattened",
                Onnx.OnnxGraphBuilder.IntAttribute("axis", 1));
        return emit.Graph.AddNode("Gemm", emit.NodeName, [input, emit.Tensor("weight"), emit.Tensor("bias")], emit.OutputName,
            Onnx.OnnxGraphBuilder.IntAttribute("transB", 1));
    }

    protected override IEnumerable<(string, JsonNode?)> Settings() => [("outputs", Width), ("init", Init.Name)];
}

/// <summary>
/// Y = f(X W^T + b), PyTorch's layout: X is (B, in), W is (out, in), b is (out), Y is (B, out), with f
/// an optional activation fused into the layer. The forward is one <see cref="ComputeBackend.LinearForward"/>
/// (one pass over Y on a backend that fuses it); the three backward products are one GEMM each, with
/// no transposed copy.
/// </summary>
public sealed class Linear : ILayer
{
    private readonly ComputeBackend backend;
    private readonly bool ownsParameters;
    private Tensor? output;
    private Tensor? inputGradient;
    private Tensor? preActivationGradient;
    private Tensor? savedInput;

    /// <summary>A layer over parameters a model allocated.</summary>
    public Linear(ComputeBackend backend, Parameter weight, Parameter bias, int inputs, int outputs, Activation? activation)
    {
        this.backend = backend;
        Weight = weight;
        Bias = bias;
        Inputs = inputs;
        Outputs = outputs;
        Activation = activation;
    }

    /// <summary>A layer alone, with parameters of its own started by <paramref name="init"/>.</summary>
    /// <param name="activation">Applied to the output inside the layer, or null for none (a model's last layer, whose logits go to the loss).</param>
    public Linear(ComputeBackend backend, int inputs, int outputs, LinearInit init, Random random, Activation? activation = null)
        : this(backend, new Parameter(backend, "weight", init.Weights(inputs, outputs, random)),
            new Parameter(backend, "bias", init.Biases(inputs, outputs, random)), inputs, outputs, activation)
    {
        ownsParameters = true;
    }

    public int Inputs { get; }

    public int Outputs { get; }

    /// <summary>The activation fused into the layer, or null.</summary>
    public Activation? Activation { get; }

    public Parameter Weight { get; }

    public Parameter Bias { get; }

    public IReadOnlyList<Parameter> Parameters => [Weight, Bias];

    public void Prepare(int maxRows)
    {
        DisposeBuffers();
        output = new Tensor(backend, maxRows, Outputs);
        inputGradient = new Tensor(backend, maxRows, Inputs);
        preActivationGradient = Activation is null ? null : new Tensor(backend, maxRows, Outputs);
    }

    public Tensor Forward(ReadOnlySpan<Tensor> inputs, int rows)
    {
        var y = output ?? throw NotPrepared();
        savedInput = inputs[0];
        // Y (B, out) = f(X (B, in) * W^T (in, out) + b)
        backend.LinearForward(savedInput.Buffer, Weight.Value, Bias.Value, y.Buffer, rows, Inputs, Outputs, Activation);
        return y;
    }

    public Tensor? Backward(Tensor outputGradient, int rows, bool needInputGradient)
    {
        var x = savedInput ?? throw new InvalidOperationException("Linear.Backward called before Forward");
        if (Activation is { } activation)
        {
            // dZ (B, out) = dY * f'(Z), written through the saved output Y = f(Z)
            var dZ = preActivationGradient ?? throw NotPrepared();
            var y = output ?? throw NotPrepared();
            backend.ActivationBackward(activation, outputGradient.Buffer, y.Buffer, dZ.Buffer, rows * Outputs);
            outputGradient = dZ;
        }
        // dW (out, in) = dY^T (out, B) * X (B, in), written with beta 0: each parameter is used once per
        // step, so its gradient is overwritten rather than zero-filled first (one launch fewer per parameter).
        backend.Gemm(true, false, Outputs, Inputs, rows, 1f, outputGradient.Buffer, x.Buffer, 0f, Weight.Gradient);
        // db (out) = column sums of dY
        backend.BiasBackward(outputGradient.Buffer, Bias.Gradient, rows, Outputs, 0f);
        if (!needInputGradient)
        {
            return null;
        }
        var dx = inputGradient ?? throw NotPrepared();
        // dX (B, in) = dY (B, out) * W (out, in)
        backend.Gemm(false, false, rows, Inputs, Outputs, 1f, outputGradient.Buffer, Weight.Value, 0f, dx.Buffer);
        return dx;
    }

    public void Dispose()
    {
        DisposeBuffers();
        if (ownsParameters)
        {
            Weight.Dispose();
            Bias.Dispose();
        }
    }

    private void DisposeBuffers()
    {
        output?.Dispose();
        inputGradient?.Dispose();
        preActivationGradient?.Dispose();
    }

    private static InvalidOperationException NotPrepared() => new("Linear used before Prepare");
}
