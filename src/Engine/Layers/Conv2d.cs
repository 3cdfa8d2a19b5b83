using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Descent.Engine.Models;
using Descent.Engine.Onnx;
using Descent.Engine.Tensors;
using Descent.Kernels;
using static Descent.Engine.Onnx.OnnxGraphBuilder;

namespace Descent.Engine.Layers;

/// <summary>
/// PyTorch's nn.Conv2d(in, <paramref name="OutChannels"/>, <paramref name="Kernel"/>, <paramref name="Stride"/>,
/// <paramref name="Padding"/>, bias=<paramref name="Bias"/>): square kernel, weights [out, in, k, k] and, unless
/// <paramref name="Bias"/> is false (a convolution before batch normalisation, whose shift makes a bias redundant),
/// a bias, started as PyTorch starts them, uniform in +-1/sqrt(C*R*S) (kaiming-uniform with a = sqrt(5) comes to that bound),
/// or, with <paramref name="Init"/> <see cref="ConvInit.KaimingNormalFanOut"/>, as torchvision's ResNet restarts its weights.
/// </summary>
public sealed partial record Conv2dLayerSpec(int OutChannels, int Kernel, int Stride = 1, int Padding = 0, bool Bias = true,
    ConvInit Init = ConvInit.PyTorchDefault) : LayerSpec
{
    public const string TypeName = "conv2d";

    public static readonly LayerKind Kind = new([TypeName],
        "convNkK[sS][pP][nb], a convolution of N output channels, KxK kernel, stride S, padding P, nb: no bias (conv32k3, conv16k3p1nb)",
        (token, _) => TokenPattern().Match(token) is { Success: true } conv
            && PositiveInt(conv.Groups[1].Value) is { } channels && PositiveInt(conv.Groups[2].Value) is { } kernel
            && (conv.Groups[3].Success ? PositiveInt(conv.Groups[3].Value) : 1) is { } stride
            && (conv.Groups[4].Success ? NonNegativeInt(conv.Groups[4].Value) : 0) is { } padding
                ? new Conv2dLayerSpec(channels, kernel, stride, padding, Bias: !conv.Groups[5].Success)
                : null,
        // "bias" is written only when false and "init" only when not PyTorch's default, so a spec from before the fields reads as it always did.
        json => new Conv2dLayerSpec(IntField(json, "out_channels"), IntField(json, "kernel"), IntField(json, "stride"), IntField(json, "padding"),
            OptionalBoolField(json, "bias", absent: true),
            json["init"] is null ? ConvInit.PyTorchDefault : CliNames.Parse<ConvInit>(StringField(json, "init"), "convolution init")));

    public override string Type => TypeName;

    public override string Token => string.Create(CultureInfo.InvariantCulture,
        $"conv{OutChannels}k{Kernel}{(Stride != 1 ? $"s{Stride}" : "")}{(Padding != 0 ? $"p{Padding}" : "")}{(Bias ? "" : "nb")}");

    /// <summary>The convolution of a batch of <paramref name="rows"/> inputs of <paramref name="input"/>.</summary>
    public Conv2dShape Shape(FeatureShape input, int rows) =>
        new(rows, input.Channels, input.Height, input.Width, OutChannels, Kernel, Kernel, Stride, Padding);

    public override FeatureShape OutputShape(FeatureShape input)
    {
        var shape = Shape(input, 1);
        return shape.Problem is { } problem
            ? throw new InvalidInputException($"{Token} cannot take a {input} input: {problem}")
            : new FeatureShape(OutChannels, shape.OutHeight, shape.OutWidth);
    }

    public override IReadOnlyList<TensorDeclaration> Tensors(FeatureShape input)
    {
        var fanIn = input.Channels * Kernel * Kernel;
        var weight = TensorDeclaration.Parameter("weight", [OutChannels, input.Channels, Kernel, Kernel], Init == ConvInit.KaimingNormalFanOut
            ? random => KaimingNormalFanOut(OutChannels * Kernel * Kernel, fanIn * OutChannels, random)
            : random => LinearInit.PyTorchDefault.Weights(fanIn, OutChannels, random));
        return Bias
            ? [weight, TensorDeclaration.Parameter("bias", [OutChannels], random => LinearInit.PyTorchDefault.Biases(fanIn, OutChannels, random))]
            : [weight];
    }

    public override bool FusesActivation => true;

    // Its backward returns its input gradient in a buffer of its own.
    public override bool InputGradientOwned => true;

    public override ILayer Build(LayerBuild build) =>
        new Conv2d(build.Backend, Shape(build.Input, 1), build.Parameter("weight"), Bias ? build.Parameter("bias") : null, build.Fused);

    // ONNX Conv's B input is optional: without a bias the node has two inputs.
    public override string EmitOnnx(Onnx.OnnxEmit emit) => emit.Graph.AddNode("Conv", emit.NodeName,
        Bias ? [emit.Input, emit.Tensor("weight"), emit.Tensor("bias")] : [emit.Input, emit.Tensor("weight")], emit.OutputName,
        IntsAttribute("kernel_shape", Kernel, Kernel),
        IntsAttribute("strides", Stride, Stride),
        IntsAttribute("pads", Padding, Padding, Padding, Padding));

    protected override IEnumerable<(string, JsonNode?)> Settings()
    {
        (string, JsonNode?)[] shape = [("out_channels", OutChannels), ("kernel", Kernel), ("stride", Stride), ("padding", Padding)];
        return shape.Concat(Bias ? [] : [("bias", false)]).Concat(Init == ConvInit.PyTorchDefault ? [] : [("init", CliNames.Of(Init))]);
    }

    /// <summary>
    /// torch.nn.init.kaiming_normal_(mode="fan_out", nonlinearity="relu"): N(0, 2 / fan_out) with fan_out = K*R*S, which keeps
    /// the backward's gradients at one scale through a deep stack of ReLU convolutions.
    /// </summary>
    private static float[] KaimingNormalFanOut(int fanOut, int count, Random random) =>
        LinearInit.NormalValues(count, Math.Sqrt(2.0 / fanOut), random);

    [GeneratedRegex(@"^conv(\d+)k(\d+)(?:s(\d+))?(?:p(\d+))?(nb)?$")]
    private static partial Regex TokenPattern();
}

/// <summary>How a convolution's weights start: PyTorch's nn.Conv2d default, or torchvision's ResNet's kaiming-normal over the fan-out.</summary>
public enum ConvInit
{
    PyTorchDefault,
    KaimingNormalFanOut,
}

/// <summary>
/// Y = f(conv(X, W) + b), PyTorch's nn.Conv2d in NCHW: X is (B, C*H*W), W is (K, C, R, S), b is (K) or absent, Y is
/// (B, K*P*Q), with f an optional activation fused into the layer as <see cref="Linear"/> fuses one.
/// </summary>
public sealed class Conv2d : ILayer
{
    private readonly ComputeBackend backend;
    private readonly Conv2dShape item;
    private Tensor? output;
    private Tensor? inputGradient;
    private Tensor? preActivationGradient;
    private Tensor? savedInput;

    /// <param name="shape">The convolution of one item (its Batch is ignored: each call takes its own).</param>
    public Conv2d(ComputeBackend backend, Conv2dShape shape, Parameter weight, Parameter? bias, Activation? activation)
    {
        item = shape with { Batch = 1 };
        if (item.Problem is { } problem)
        {
            throw new InvalidInputException($"convolution {item} is not valid: {problem}");
        }
        this.backend = backend;
        Activation = activation;
        Weight = weight;
        Bias = bias;
    }

    /// <summary>The convolution of one item: channels, sizes, kernel, stride and padding.</summary>
    public Conv2dShape Shape => item;

    /// <summary>The activation fused into the layer, or null.</summary>
    public Activation? Activation { get; }

    public Parameter Weight { get; }

    /// <summary>The bias, or null for a convolution without one.</summary>
    public Parameter? Bias { get; }

    public void Prepare(int maxRows)
    {
        DisposeBuffers();
        output = new Tensor(backend, maxRows, (int)item.OutputLength);
        inputGradient = new Tensor(backend, maxRows, (int)item.InputLength);
        preActivationGradient = Activation is null ? null : new Tensor(backend, maxRows, (int)item.OutputLength);
    }

    public Tensor Forward(ReadOnlySpan<Tensor> inputs, int rows)
    {
        var y = output ?? throw NotPrepared();
        savedInput = inputs[0];
        // Y (B, K, P, Q) = f(conv(X (B, C, H, W), W (K, C, R, S)) + b)
        backend.Conv2dForward(savedInput.Buffer, Weight.Value, Bias?.Value, y.Buffer, item with { Batch = rows }, Activation);
        return y;
    }

    public Tensor? Backward(Tensor outputGradient, int rows, bool needInputGradient)
    {
        var x = savedInput ?? throw new InvalidOperationException("Conv2d.Backward called before Forward");
        var shape = item with { Batch = rows };
        if (Activation is { } activation)
        {
            // dZ = dY * f'(Z), written through the saved output Y = f(Z)
            var dZ = preActivationGradient ?? throw NotPrepared();
            var y = output ?? throw NotPrepared();
            backend.ActivationBackward(activation, outputGradient.Buffer, y.Buffer, dZ.Buffer, rows * (int)item.OutputLength);
            outputGradient = dZ;
        }
        // dW (K, C, R, S) and db (K), overwritten: each parameter is used once per step.
        backend.Conv2dBackwardWeight(outputGradient.Buffer, x.Buffer, Weight.Gradient, Bias?.Gradient, shape);
        if (!needInputGradient)
        {
            return null;
        }
        var dx = inputGradient ?? throw NotPrepared();
        // dX (B, C, H, W): the transposed convolution of dZ with W
        backend.Conv2dBackwardInput(outputGradient.Buffer, Weight.Value, dx.Buffer, shape);
        return dx;
    }

    public void Dispose() => DisposeBuffers();

    private void DisposeBuffers()
    {
        output?.Dispose();
        inputGradient?.Dispose();
        preActivationGradient?.Dispose();
    }

    private static InvalidOperationException NotPrepared() => new("Conv2d used before Prepare");
}
