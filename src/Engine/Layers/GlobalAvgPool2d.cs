using System.Text.Json.Nodes;
using Descent.Engine.Models;
using Descent.Engine.Onnx;
using Descent.Engine.Tensors;
using Descent.Kernels;

namespace Descent.Engine.Layers;

/// <summary>
/// PyTorch's nn.AdaptiveAvgPool2d(1): each channel's plane becomes its mean, (C, H, W) to (C, 1, 1), which is
/// already a row of C features; no tensors. Flattening stays a layer of its own, as in PyTorch.
/// </summary>
public sealed record GlobalAvgPool2dLayerSpec : LayerSpec
{
    public const string TypeName = "global_avg_pool";

    public const string TokenName = "gap";

    public static readonly LayerKind Kind = new([TypeName], "gap, global average pooling: each channel's plane to its mean",
        (token, _) => token == TokenName ? new GlobalAvgPool2dLayerSpec() : null,
        _ => new GlobalAvgPool2dLayerSpec());

    public override string Type => TypeName;

    public override string Token => TokenName;

    // Its backward returns its input gradient in a buffer of its own.
    public override bool InputGradientOwned => true;

    public override FeatureShape OutputShape(FeatureShape input) => new(input.Channels, 1, 1);

    public override ILayer Build(LayerBuild build) => new GlobalAvgPool2d(build.Backend, build.Input);

    public override string EmitOnnx(OnnxEmit emit) =>
        emit.Graph.AddNode("GlobalAveragePool", emit.NodeName, [emit.Input], emit.OutputName);

    protected override IEnumerable<(string, JsonNode?)> Settings() => [];
}

/// <summary>Global average pooling over NCHW rows: X is (B, C*H*W), Y is (B, C); the backward spreads each dY evenly over its plane.</summary>
public sealed class GlobalAvgPool2d(ComputeBackend backend, FeatureShape input) : ILayer
{
    private Tensor? output;
    private Tensor? inputGradient;

    private int PlaneLength => input.Height * input.Width;

    public void Prepare(int maxRows)
    {
        Dispose();
        output = new Tensor(backend, maxRows, input.Channels);
        inputGradient = new Tensor(backend, maxRows, checked((int)input.Features));
    }

    public Tensor Forward(ReadOnlySpan<Tensor> inputs, int rows)
    {
        var y = output ?? throw NotPrepared();
        // Y (B, C, 1, 1) = the mean of each plane of X (B, C, H, W)
        backend.GlobalAvgPool2dForward(inputs[0].Buffer, y.Buffer, rows * input.Channels, PlaneLength);
        return y;
    }

    public Tensor? Backward(Tensor outputGradient, int rows, bool needInputGradient)
    {
        if (!needInputGradient)
        {
            return null;
        }
        var dx = inputGradient ?? throw NotPrepared();
        // dX (B, C, H, W) = dY (B, C) / (H * W) at every position of the plane
        backend.GlobalAvgPool2dBackward(outputGradient.Buffer, dx.Buffer, rows * input.Channels, PlaneLength);
        return dx;
    }

    public void Dispose()
    {
        output?.Dispose();
        inputGradient?.Dispose();
    }

    private static InvalidOperationException NotPrepared() => new("GlobalAvgPool2d used before Prepare");
}
