using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Descent.Engine.Models;
using Descent.Engine.Onnx;
using Descent.Engine.Tensors;
using Descent.Kernels;

namespace Descent.Engine.Layers;

/// <summary>PyTorch's nn.Dropout(<paramref name="Probability"/>): zeroes that fraction of elements while training, identity in evaluation.</summary>
public sealed partial record DropoutLayerSpec(float Probability) : LayerSpec
{
    public const string TypeName = "dropout";

    public static readonly LayerKind Kind = new([TypeName], "dropoutP, dropout with probability P (dropout0.25)",
        (token, _) => TokenPattern().Match(token) is { Success: true } dropout
            ? new DropoutLayerSpec(float.Parse(dropout.Groups[1].Value, CultureInfo.InvariantCulture))
            : null,
        json => new DropoutLayerSpec((float)NumberField(json, "p")));

    public override string Type => TypeName;

    public override string Token => string.Create(CultureInfo.InvariantCulture, $"dropout{Probability:R}");

    public override FeatureShape OutputShape(FeatureShape input) => Probability is >= 0f and < 1f
        ? input
        : throw new InvalidInputException($"a dropout probability must be in [0, 1), got {Probability.ToString(CultureInfo.InvariantCulture)}");

    // Each layer draws its masks from the model's seed and its own stream, so two dropout layers never share a mask.
    public override ILayer Build(LayerBuild build) =>
        new Dropout(build.Backend, Probability, unchecked((uint)build.Seed), build.Node.Stream, (int)build.Input.Features, build.Mode);

    // The identity at inference: the node's output is its input.
    public override string EmitOnnx(OnnxEmit emit) => emit.Input;

    protected override IEnumerable<(string, JsonNode?)> Settings() => [("p", AsWritten(Probability))];

    [GeneratedRegex(@"^dropout(0?\.\d+|0)$")]
    private static partial Regex TokenPattern();
}

/// <summary>
/// PyTorch's nn.Dropout(p): while training, each element is zeroed with probability p and the rest scaled by
/// 1 / (1 - p); in evaluation it is the identity and passes its input on untouched. The mask is a function
/// of (seed, the layer's stream, the global step, the element) alone (<see cref="DropoutMask"/>): no
/// generator state, so a resumed run draws the masks an uninterrupted one draws, on any backend.
/// </summary>
public sealed class Dropout(ComputeBackend backend, float probability, uint seed, uint stream, int width, ModelMode mode) : ILayer
{
    private Tensor? output;
    private Tensor? inputGradient;
    private bool forwardTrained;
    private DropoutStep step = new(probability, seed, stream, 0);

    public float Probability => probability;

    public void Prepare(int maxRows)
    {
        Dispose();
        output = new Tensor(backend, maxRows, width);
        inputGradient = new Tensor(backend, maxRows, width);
    }

    public Tensor Forward(ReadOnlySpan<Tensor> inputs, int rows)
    {
        forwardTrained = mode.Training;
        if (!forwardTrained)
        {
            return inputs[0];
        }
        // The generator's counter holds 32 bits of step: masks repeat after 2^32 steps, far beyond any run here.
        // The counter's element is the element's place in the whole batch, which a rank's share starts inside of.
        step = step with { Step = unchecked((uint)mode.Step), FirstElement = unchecked((uint)((long)mode.FirstRow * width)) };
        var y = output ?? throw NotPrepared();
        // y = x * mask / (1 - p); its own buffer, since the layer before may keep x for its backward
        backend.DropoutForward(inputs[0].Buffer, y.Buffer, rows * width, step);
        return y;
    }

    public Tensor? Backward(Tensor outputGradient, int rows, bool needInputGradient)
    {
        if (!needInputGradient)
        {
            return null;
        }
        if (!forwardTrained)
        {
            return outputGradient;
        }
        var dx = inputGradient ?? throw NotPrepared();
        // dx = dy * mask / (1 - p), the forward's mask
        backend.DropoutBackward(outputGradient.Buffer, dx.Buffer, rows * width, step);
        return dx;
    }

    public void Dispose()
    {
        output?.Dispose();
        inputGradient?.Dispose();
    }

    private static InvalidOperationException NotPrepared() => new("Dropout used before Prepare");
}
