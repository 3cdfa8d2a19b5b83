using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Descent.Engine.Models;
using Descent.Engine.Onnx;
using Descent.Engine.Tensors;
using Descent.Kernels;
using static Descent.Engine.Onnx.OnnxGraphBuilder;

namespace Descent.Engine.Layers;

/// <summary>PyTorch's nn.MaxPool2d(<paramref name="Kernel"/>, <paramref name="Stride"/>): square windows, no padding.</summary>
public sealed partial record MaxPool2dLayerSpec(int Kernel, int Stride) : LayerSpec
{
    public const string TypeName = "maxpool2d";

    public static readonly LayerKind Kind = new([TypeName], "maxpoolK[sS], max-pooling over KxK windows at stride S (default K)",
        (token, _) => TokenPattern().Match(token) is { Success: true } pool && PositiveInt(pool.Groups[1].Value) is { } window
            && (pool.Groups[2].Success ? PositiveInt(pool.Groups[2].Value) : window) is { } stride
                ? new MaxPool2dLayerSpec(window, stride)
                : null,
        json => new MaxPool2dLayerSpec(IntField(json, "kernel"), IntField(json, "stride")));

    /// <summary>PyTorch's default stride: the window's size, so windows do not overlap.</summary>
    public MaxPool2dLayerSpec(int kernel) : this(kernel, kernel)
    {
    }

    public override string Type => TypeName;

    public override string Token => string.Create(CultureInfo.InvariantCulture, $"maxpool{Kernel}{(Stride != Kernel ? $"s{Stride}" : "")}");

    // Its backward returns its input gradient in a buffer of its own.
    public override bool InputGradientOwned => true;

    public Pool2dShape Shape(FeatureShape input, int rows) => new(rows, input.Channels, input.Height, input.Width, Kernel, Stride);

    public override FeatureShape OutputShape(FeatureShape input)
    {
        var shape = Shape(input, 1);
        return shape.Problem is { } problem
            ? throw new InvalidInputException($"{Token} cannot take a {input} input: {problem}")
            : new FeatureShape(input.Channels, shape.OutHeight, shape.OutWidth);
    }

    public override ILayer Build(LayerBuild build) => new MaxPool2d(build.Backend, Shape(build.Input, 1), build.Fused);

    public override string EmitOnnx(OnnxEmit emit) => emit.Graph.AddNode("MaxPool", emit.NodeName, [emit.Input], emit.OutputName,
        IntsAttribute("kernel_shape", Kernel, Kernel),
        IntsAttribute("strides", Stride, Stride));

    protected override IEnumerable<(string, JsonNode?)> Settings() => [("kernel", Kernel), ("stride", Stride)];

    [GeneratedRegex(@"^maxpool(\d+)(?:s(\d+))?$")]
    private static partial Regex TokenPattern();
}

/// <summary>
/// PyTorch's nn.MaxPool2d over NCHW rows: X is (B, C*H*W), Y is (B, C*P*Q). The forward records where each
/// maximum came from, so the backward routes each gradient there without reading X again. An activation, where
/// <see cref="Network"/> moves one here from the layer before, is applied to the pooled output in place.
/// </summary>
public sealed class MaxPool2d(ComputeBackend backend, Pool2dShape shape, Activation? activation = null) : ILayer
{
    private readonly Pool2dShape item = shape with { Batch = 1 };
    private Tensor? output;
    private Tensor? inputGradient;
    private Tensor? pooledGradient;
    private DeviceBuffer<int>? argmax;

    /// <summary>The pooling of one item: channels, sizes, window and stride.</summary>
    public Pool2dShape Shape => item;

    /// <summary>The activation applied to the pooled output, or null.</summary>
    public Activation? Activation { get; } = activation;

    public void Prepare(int maxRows)
    {
        if (item.Problem is { } problem)
        {
            throw new InvalidInputException($"pooling {item} is not valid: {problem}");
        }
        Dispose();
        output = new Tensor(backend, maxRows, (int)item.OutputLength);
        inputGradient = new Tensor(backend, maxRows, (int)item.InputLength);
        argmax = backend.Allocate<int>(checked(maxRows * (int)item.OutputLength));
        pooledGradient = Activation is null ? null : new Tensor(backend, maxRows, (int)item.OutputLength);
    }

    public Tensor Forward(ReadOnlySpan<Tensor> inputs, int rows)
    {
        var y = output ?? throw NotPrepared();
        // Y (B, C, P, Q) = the maximum of each window of X (B, C, H, W); argmax: where in its plane
        backend.MaxPool2dForward(inputs[0].Buffer, y.Buffer, argmax!, item with { Batch = rows });
        if (Activation is { } activation)
        {
            // Y = f(Y), in place
            backend.ActivationForward(activation, y.Buffer, y.Buffer, rows * (int)item.OutputLength);
        }
        return y;
    }

    public Tensor? Backward(Tensor outputGradient, int rows, bool needInputGradient)
    {
        if (!needInputGradient)
        {
            return null;
        }
        var dx = inputGradient ?? throw NotPrepared();
        if (Activation is { } activation)
        {
            // dY * f'(pooled), written through the saved output f(pooled)
            var dZ = pooledGradient ?? throw NotPrepared();
            backend.ActivationBackward(activation, outputGradient.Buffer, (output ?? throw NotPrepared()).Buffer, dZ.Buffer,
                rows * (int)item.OutputLength);
            outputGradient = dZ;
        }
        // dX (B, C, H, W) = dY added at each window's argmax, zero elsewhere
        backend.MaxPool2dBackward(outputGradient.Buffer, argmax!, dx.Buffer, item with { Batch = rows });
        return dx;
    }

    public void Dispose()
    {
        output?.Dispose();
        inputGradient?.Dispose();
        pooledGradient?.Dispose();
        argmax?.Dispose();
    }

    private static InvalidOperationException NotPrepared() => new("MaxPool2d used before Prepare");
}
