using System.Reflection;
using System.Text.Json.Nodes;
using Descent.Kernels;

namespace Descent.Engine.Layers;

/// <summary>
/// How one kind of layer is written: the JSON types it reads, what --help says of its --layers token, and
/// the readers of both. Each <see cref="LayerSpec"/> subclass declares its own in a public static field
/// named Kind; <see cref="LayerKinds"/> finds them all, so the grammar, the JSON reader and their error
/// messages list exactly the kinds that exist.
/// </summary>
/// <param name="Types">The JSON "type" values it reads (an activation kind reads one per activation); empty for a kind that only blocks make.</param>
/// <param name="Grammar">Its --layers token as --help describes it, or null where it has none.</param>
/// <param name="ParseToken">The spec a --layers token spells, or null when the token is not of this kind.</param>
/// <param name="ReadJson">The spec its JSON form holds; the reader reads nested layer lists.</param>
public sealed record LayerKind(
    IReadOnlyList<string> Types,
    string? Grammar,
    Func<string, LayerTokenParser, LayerSpec?> ParseToken,
    Func<JsonNode, LayerSpec> ReadJson);

/// <summary>Parses the layer list inside a block's token (a residual block's body), with the grammar of the whole --layers text.</summary>
public delegate IReadOnlyList<LayerSpec> LayerTokenParser(string layers);

/// <summary>Every kind of layer, found by reflection over the <see cref="LayerSpec"/> subclasses: the one list of kinds.</summary>
public static class LayerKinds
{
    public static IReadOnlyList<LayerKind> All { get; } = typeof(LayerSpec).Assembly.GetTypes()
        .Where(type => type.IsSubclassOf(typeof(LayerSpec)) && !type.IsAbstract)
        .OrderBy(type => type.Name, StringComparer.Ordinal)
        .Select(type => type.GetField("Kind", BindingFlags.Public | BindingFlags.Static)?.GetValue(null) as LayerKind
            ?? throw new InvalidOperationException($"layer spec {type.Name} declares no public static LayerKind Kind"))
        .ToArray();

    /// <summary>Every JSON type a spec may carry.</summary>
    public static IReadOnlyList<string> Types { get; } = All.SelectMany(kind => kind.Types).ToArray();

    /// <summary>The --layers token of every kind that has one, as --help lists them.</summary>
    public static IReadOnlyList<string> Grammar { get; } = All.Select(kind => kind.Grammar).OfType<string>().ToArray();

    public static LayerSpec FromJson(JsonNode json)
    {
        var type = json["type"] is JsonValue value && value.TryGetValue<string>(out var text)
            ? text
            : throw new InvalidInputException("a layer of the model spec has no type");
        var kind = All.FirstOrDefault(kind => kind.Types.Contains(type))
            ?? throw new InvalidInputException($"unknown layer type '{type}'; choose {string.Join(", ", Types)}");
        var layer = kind.ReadJson(json);
        return json["name"] is JsonValue name && name.TryGetValue<string>(out var moduleName) ? layer with { Name = moduleName } : layer;
    }

    /// <summary>The spec <paramref name="token"/> spells, or null when no kind reads it.</summary>
    public static LayerSpec? ParseToken(string token, LayerTokenParser parseLayers) =>
        All.Select(kind => kind.ParseToken(token, parseLayers)).FirstOrDefault(layer => layer is not null);

    /// <summary>A JSON array of layers, read kind by kind.</summary>
    public static IReadOnlyList<LayerSpec> ListFromJson(JsonNode? json, string what) => json is JsonArray array
        ? array.Select(layer => FromJson(layer ?? throw new InvalidInputException($"{what} holds a null layer"))).ToArray()
        : throw new InvalidInputException($"{what} needs a list of layers");
}
