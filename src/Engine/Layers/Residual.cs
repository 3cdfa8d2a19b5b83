using System.Globalization;
using System.Text.Json.Nodes;
using Descent.Engine.Models;
using Descent.Engine.Onnx;
using Descent.Kernels;

namespace Descent.Engine.Layers;

/// <summary>
/// A residual block, y = f(x) + x, or with a projection y = f(x) + g(x): <paramref name="Body"/> is f and
/// <paramref name="Shortcut"/> is g (empty for the identity). It is made of other layers: it expands into
/// their nodes and an add (<see cref="AddLayerSpec"/>), so it needs no op, runtime or ONNX node of its own.
/// Named as PyTorch names a module with two nn.Sequential children `body` and `shortcut`: the block at index
/// 2 holds "2.body.0.weight", "2.shortcut.0.weight", ... A block may name those children otherwise
/// (<see cref="BodyModule"/>, <see cref="ShortcutModule"/>) to match another module tree: torchvision's BasicBlock
/// holds its body's layers itself (conv1, bn1, ...; an empty <see cref="BodyModule"/>) and its shortcut as `downsample`.
/// </summary>
public sealed record ResidualLayerSpec(IReadOnlyList<LayerSpec> Body, IReadOnlyList<LayerSpec> Shortcut) : LayerSpec
{
    public const string TypeName = "residual";
    public const string DefaultBodyModule = "body";
    public const string DefaultShortcutModule = "shortcut";

    /// <summary>The body's module under the block ("body"), or empty when the body's layers are the block's own children.</summary>
    public string BodyModule { get; init; } = DefaultBodyModule;

    /// <summary>The projection shortcut's module under the block ("shortcut", torchvision's "downsample").</summary>
    public string ShortcutModule { get; init; } = DefaultShortcutModule;

    public static readonly LayerKind Kind = new([TypeName],
        "res(LAYERS) or res(LAYERS+LAYERS), a residual block y = f(x) + x, or f(x) + g(x) with a projection g " +
        "(res(conv16k3p1-relu-conv16k3p1); quote it in a shell)",
        (token, parseLayers) => Parse(token, parseLayers),
        json => new ResidualLayerSpec(LayerKinds.ListFromJson(json["body"], "a residual block's body"),
            json["shortcut"] is null ? [] : LayerKinds.ListFromJson(json["shortcut"], "a residual block's shortcut"))
        {
            BodyModule = json["body_module"] is null ? DefaultBodyModule : StringField(json, "body_module"),
            ShortcutModule = json["shortcut_module"] is null ? DefaultShortcutModule : StringField(json, "shortcut_module"),
        });

    public override string Type => TypeName;

    public override string Token => Shortcut.Count == 0
        ? $"res({Joined(Body)})"
        : $"res({Joined(Body)}+{Joined(Shortcut)})";

    public override FeatureShape OutputShape(FeatureShape input)
    {
        if (Body.Count == 0)
        {
            throw new InvalidInputException("a residual block needs at least one layer in its body");
        }
        var body = Body.Aggregate(input, (shape, layer) => layer.OutputShape(shape));
        var shortcut = Shortcut.Aggregate(input, (shape, layer) => layer.OutputShape(shape));
        return body == shortcut
            ? body
            : throw new InvalidInputException(
                $"{Token} adds a {body} body to a {shortcut} shortcut: the two must have one shape (a projection such as {Projection(input, body)} matches them)");
    }

    /// <summary>
    /// The one-layer shortcut that takes <paramref name="input"/> to the body's <paramref name="output"/>: a linear
    /// layer on rows, else a 1x1 convolution whose stride shrinks the image as the body did (none where it did not).
    /// </summary>
    private static string Projection(FeatureShape input, FeatureShape output)
    {
        if (output.IsFlat)
        {
            return output.Channels.ToString(CultureInfo.InvariantCulture);
        }
        // A 1x1 kernel at stride s gives ceil(n / s) of n positions: the smallest s that reaches the body's height.
        var stride = Math.Max(1, (input.Height + output.Height - 1) / output.Height);
        return stride == 1 ? $"conv{output.Channels}k1" : $"conv{output.Channels}k1s{stride}";
    }

    public override GraphValue Expand(GraphBuilder graph, GraphValue input, string module, FusedActivation? fused)
    {
        OutputShape(input.Shape);
        var body = graph.AddSequence(Body, input, BodyModule.Length == 0 ? $"{module}." : $"{module}.{BodyModule}.");
        var shortcut = Shortcut.Count == 0 ? input : graph.AddSequence(Shortcut, input, $"{module}.{ShortcutModule}.");
        return graph.AddNode(new AddLayerSpec(), [body, shortcut], module, fused);
    }

    public override ILayer Build(LayerBuild build) => throw new InvalidOperationException("a residual block expands into other layers");

    public override string EmitOnnx(OnnxEmit emit) => throw new InvalidOperationException("a residual block expands into other layers");

    /// <summary>Records compare lists by reference; two blocks of the same layers are the same block.</summary>
    public bool Equals(ResidualLayerSpec? other) =>
        other is not null && Name == other.Name && BodyModule == other.BodyModule && ShortcutModule == other.ShortcutModule
        && Body.SequenceEqual(other.Body) && Shortcut.SequenceEqual(other.Shortcut);

    public override int GetHashCode() => HashCode.Combine(Body.Count, Shortcut.Count, Name);

    // The module names are written only when not the defaults, so a spec from before them reads as it always did.
    protected override IEnumerable<(string, JsonNode?)> Settings() =>
        new (string, JsonNode?)[]
        {
            ("body", new JsonArray(Body.Select(layer => (JsonNode)layer.ToJson()).ToArray())),
            ("shortcut", new JsonArray(Shortcut.Select(layer => (JsonNode)layer.ToJson()).ToArray())),
        }
        .Concat(BodyModule == DefaultBodyModule ? [] : [("body_module", BodyModule)])
        .Concat(ShortcutModule == DefaultShortcutModule ? [] : [("shortcut_module", ShortcutModule)]);

    private static string Joined(IReadOnlyList<LayerSpec> layers) => string.Join('-', layers.Select(layer => layer.Token));

    private static ResidualLayerSpec? Parse(string token, LayerTokenParser parseLayers)
    {
        if (!token.StartsWith("res(", StringComparison.Ordinal) || !token.EndsWith(')'))
        {
            return null;
        }
        var inside = token[4..^1];
        var split = TopLevelPlus(inside);
        var body = split < 0 ? inside : inside[..split];
        var shortcut = split < 0 ? null : inside[(split + 1)..];
        // Said here, not as "'' is not a layer": an empty shortcut would otherwise read as the identity's empty list.
        if (body.Length == 0 || shortcut?.Length == 0)
        {
            throw new InvalidInputException(
                $"{token} has no layers in its {(body.Length == 0 ? "body" : "shortcut after '+'")}: write res(LAYERS) or res(LAYERS+LAYERS)");
        }
        return new ResidualLayerSpec(parseLayers(body), shortcut is null ? [] : parseLayers(shortcut));
    }

    /// <summary>Where the '+' between body and shortcut stands, outside any nested block; -1 when there is none.</summary>
    private static int TopLevelPlus(string text)
    {
        var depth = 0;
        for (var i = 0; i < text.Length; i++)
        {
            depth += text[i] switch { '(' => 1, ')' => -1, _ => 0 };
            if (text[i] == '+' && depth == 0)
            {
                return i;
            }
        }
        return -1;
    }
}
