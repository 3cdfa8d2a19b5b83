using System.Globalization;
using System.Text.Json.Nodes;
using Descent.Engine.Models;
using Descent.Engine.Onnx;
using Descent.Kernels;

namespace Descent.Engine.Layers;

/// <summary>
/// One kind of layer, declared in one place: a subclass (one file per kind) says how the spec is written
/// (its JSON form and its --layers token, through its <see cref="LayerKind"/>), the shape it turns an input
/// into, the tensors it declares (parameters that train and state that is saved but not trained), how it
/// runs forward and backward on a backend (<see cref="Build"/>), and its ONNX nodes (<see cref="EmitOnnx"/>).
/// Everything else (parsing, model-file names and shapes, loaded-file checks, the ONNX graph, the memory
/// plan) is derived from these declarations by <see cref="ModelGraph"/> and the code that walks it.
/// </summary>
public abstract record LayerSpec
{
    /// <summary>The "type" its JSON form carries.</summary>
    public abstract string Type { get; }

    /// <summary>The module's attribute name in a PyTorch model of named modules (fc1), or null for its index in its nn.Sequential.</summary>
    public string? Name { get; init; }

    /// <summary>How --layers spells the layer: 128, relu, conv32k3, maxpool2, dropout0.25, flatten, res(...).</summary>
    public abstract string Token { get; }

    /// <summary>The shape out for <paramref name="input"/>; a shape the layer cannot take is bad input saying why.</summary>
    public abstract FeatureShape OutputShape(FeatureShape input);

    /// <summary>
    /// The tensors a layer of this kind owns for <paramref name="input"/>, in the order they are drawn from the
    /// model's seeded generator and stored: parameters (trained) and state (saved, not trained), each named
    /// as PyTorch names it within the module ("weight", "running_mean").
    /// </summary>
    public virtual IReadOnlyList<TensorDeclaration> Tensors(FeatureShape input) => [];

    /// <summary>Whether an activation that follows the layer runs inside its forward (one fused op) rather than as a layer of its own.</summary>
    public virtual bool FusesActivation => false;

    /// <summary>
    /// Whether the only reader of the layer's output may overwrite it: the runtime layer owns its output buffer (not a view
    /// of its input) and its backward never reads it. An activation reading it then runs in place (see <see cref="Network"/>).
    /// </summary>
    public virtual bool OutputFreeAfterForward => false;

    /// <summary>Whether the runtime layer can write its output over its first input: an element-wise layer.</summary>
    public virtual bool RunsInPlace => false;

    /// <summary>
    /// Whether the runtime layer's backward returns its input gradient in a buffer of its own, which only the layer before
    /// then reads (not the gradient it received, handed on as a residual sum does, nor a view). An activation whose output
    /// only this layer reads then writes its own input gradient over it (see <see cref="Network"/>).
    /// </summary>
    public virtual bool InputGradientOwned => false;

    /// <summary>
    /// Adds the layer to <paramref name="graph"/> reading <paramref name="input"/> under module path
    /// <paramref name="module"/> and returns what it outputs. A plain layer is one node; a block made of other
    /// layers (a residual block) expands into theirs.
    /// </summary>
    public virtual GraphValue Expand(GraphBuilder graph, GraphValue input, string module, FusedActivation? fused) =>
        graph.AddNode(this, [input], module, fused);

    /// <summary>The runtime layer of one node of a model, on the node's backend, with its tensors already allocated.</summary>
    public abstract ILayer Build(LayerBuild build);

    /// <summary>Appends the node's ONNX nodes reading <paramref name="emit"/>'s inputs; returns the name of the output.</summary>
    public abstract string EmitOnnx(OnnxEmit emit);

    public JsonObject ToJson()
    {
        var json = new JsonObject { ["type"] = Type };
        foreach (var (key, value) in Settings())
        {
            json[key] = value;
        }
        if (Name is not null)
        {
            json["name"] = Name;
        }
        return json;
    }

    /// <summary>Reads what <see cref="ToJson"/> wrote; an unknown type is bad input naming the known ones.</summary>
    public static LayerSpec FromJson(JsonNode json) => LayerKinds.FromJson(json);

    /// <summary>The fields of the JSON form after "type".</summary>
    protected abstract IEnumerable<(string Key, JsonNode? Value)> Settings();

    /// <summary>The float as a person wrote it (0.25, not 0.25000000372529).</summary>
    protected static double AsWritten(float value) =>
        double.Parse(value.ToString("R", CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);

    /// <summary>A required whole-number field of a layer's JSON form; missing or mistyped is bad input.</summary>
    protected static int IntField(JsonNode json, string key) => json[key] is JsonValue value && value.TryGetValue<int>(out var number)
        ? number
        : throw new InvalidInputException($"a {json["type"]} layer of the model spec needs a whole number '{key}'");

    /// <summary>A required number field of a layer's JSON form.</summary>
    protected static double NumberField(JsonNode json, string key) => json[key] is JsonValue value && value.TryGetValue<double>(out var number)
        ? number
        : throw new InvalidInputException($"a {json["type"]} layer of the model spec needs a number '{key}'");

    /// <summary>A required string field of a layer's JSON form.</summary>
    protected static string StringField(JsonNode json, string key) => json[key] is JsonValue value && value.TryGetValue<string>(out var text)
        ? text
        : throw new InvalidInputException($"a {json["type"]} layer of the model spec needs a string '{key}'");

    /// <summary>An optional true-or-false field of a layer's JSON form: <paramref name="absent"/> when it is missing, bad input when mistyped.</summary>
    protected static bool OptionalBoolField(JsonNode json, string key, bool absent) => json[key] switch
    {
        null => absent,
        JsonValue value when value.TryGetValue<bool>(out var flag) => flag,
        _ => throw new InvalidInputException($"'{key}' of a {json["type"]} layer of the model spec must be true or false"),
    };

    /// <summary>A whole number as a --layers token writes it, or null when <paramref name="text"/> is not one.</summary>
    protected internal static int? PositiveInt(string text) => NonNegativeInt(text) is > 0 and var value ? value : null;

    protected internal static int? NonNegativeInt(string text) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value : null;
}
