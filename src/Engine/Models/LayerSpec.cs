using System.Globalization;
using System.Text.Json.Nodes;
using Descent.Engine.Layers;
using Descent.Kernels;

namespace Descent.Engine.Models;

/// <summary>
/// One module of a model as a spec records it, in the order PyTorch's nn.Sequential would hold it (its
/// position is its module index, and so its parameters' names, unless <see cref="Name"/> names it as a
/// model of named modules does: "conv1"). Each kind knows its JSON form, its --layers token and the shape
/// it turns an input of some shape into; a new kind of layer is one more subclass here and one more case
/// where models are built, named and exported.
/// </summary>
public abstract record LayerSpec
{
    /// <summary>The "type" its JSON form carries.</summary>
    public abstract string Type { get; }

    /// <summary>The module's attribute name in a PyTorch model of named modules (fc1), or null for its nn.Sequential index.</summary>
    public string? Name { get; init; }

    /// <summary>How --layers spells the layer: 128, relu, conv32k3, maxpool2, dropout0.25, flatten.</summary>
    public abstract string Token { get; }

    /// <summary>The shape out for <paramref name="input"/>; a shape the layer cannot take is bad input saying why.</summary>
    public abstract FeatureShape OutputShape(FeatureShape input);

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

    /// <summary>Reads what <see cref="ToJson"/> wrote; an unknown type is bad input.</summary>
    public static LayerSpec FromJson(JsonNode json)
    {
        var type = json["type"]?.GetValue<string>() ?? throw new InvalidInputException("a layer of the model spec has no type");
        LayerSpec layer = type switch
        {
            LinearLayerSpec.TypeName => new LinearLayerSpec(json["outputs"]!.GetValue<int>(), LinearInit.Parse(json["init"]!.GetValue<string>())),
            Conv2dLayerSpec.TypeName => new Conv2dLayerSpec(json["out_channels"]!.GetValue<int>(), json["kernel"]!.GetValue<int>(),
                json["stride"]!.GetValue<int>(), json["padding"]!.GetValue<int>()),
            MaxPool2dLayerSpec.TypeName => new MaxPool2dLayerSpec(json["kernel"]!.GetValue<int>(), json["stride"]!.GetValue<int>()),
            DropoutLayerSpec.TypeName => new DropoutLayerSpec((float)json["p"]!.GetValue<double>()),
            FlattenLayerSpec.TypeName => new FlattenLayerSpec(),
            _ when CliNames.All<Activation>().Contains(type) => new ActivationLayerSpec(CliNames.Parse<Activation>(type, "activation")),
            _ => throw new InvalidInputException(
                $"unknown layer type '{type}'; choose {string.Join(", ", KnownTypes)} or an activation ({string.Join(", ", CliNames.All<Activation>())})"),
        };
        return json["name"] is { } name ? layer with { Name = name.GetValue<string>() } : layer;
    }

    private static readonly string[] KnownTypes =
        [LinearLayerSpec.TypeName, Conv2dLayerSpec.TypeName, MaxPool2dLayerSpec.TypeName, DropoutLayerSpec.TypeName, FlattenLayerSpec.TypeName];

    /// <summary>The fields of the JSON form after "type".</summary>
    protected abstract IEnumerable<(string Key, JsonNode? Value)> Settings();

    /// <summary>The float as a person wrote it (0.25, not 0.25000000372529).</summary>
    protected static double AsWritten(float value) =>
        double.Parse(value.ToString("R", CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
}

/// <summary>A fully connected layer, PyTorch's nn.Linear: <paramref name="Width"/> outputs, weights started by <paramref name="Init"/>.</summary>
public sealed record LinearLayerSpec(int Width, LinearInit Init) : LayerSpec
{
    public const string TypeName = "linear";

    public override string Type => TypeName;

    public override string Token => Width.ToString(CultureInfo.InvariantCulture);

    public override FeatureShape OutputShape(FeatureShape input) => input.IsFlat
        ? FeatureShape.Flat(Width)
        : throw new InvalidInputException($"a linear layer takes a row of features, not a {input} image: put flatten before it");

    protected override IEnumerable<(string, JsonNode?)> Settings() => [("outputs", Width), ("init", Init.Name)];
}

/// <summary>An element-wise nonlinearity, PyTorch's nn.ReLU, nn.Sigmoid, ...: its input's shape.</summary>
public sealed record ActivationLayerSpec(Activation Activation) : LayerSpec
{
    public override string Type => CliNames.Of(Activation);

    public override string Token => Type;

    public override FeatureShape OutputShape(FeatureShape input) => input;

    protected override IEnumerable<(string, JsonNode?)> Settings() => [];
}

/// <summary>
/// PyTorch's nn.Conv2d(in, <paramref name="OutChannels"/>, <paramref name="Kernel"/>, <paramref name="Stride"/>,
/// <paramref name="Padding"/>): square kernel, weights [out, in, k, k] and a bias, started as PyTorch starts them.
/// </summary>
public sealed record Conv2dLayerSpec(int OutChannels, int Kernel, int Stride = 1, int Padding = 0) : LayerSpec
{
    public const string TypeName = "conv2d";

    public override string Type => TypeName;

    public override string Token => string.Create(CultureInfo.InvariantCulture,
        $"conv{OutChannels}k{Kernel}{(Stride != 1 ? $"s{Stride}" : "")}{(Padding != 0 ? $"p{Padding}" : "")}");

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

    protected override IEnumerable<(string, JsonNode?)> Settings() =>
        [("out_channels", OutChannels), ("kernel", Kernel), ("stride", Stride), ("padding", Padding)];
}

/// <summary>PyTorch's nn.MaxPool2d(<paramref name="Kernel"/>, <paramref name="Stride"/>): square windows, no padding.</summary>
public sealed record MaxPool2dLayerSpec(int Kernel, int Stride) : LayerSpec
{
    public const string TypeName = "maxpool2d";

    /// <summary>PyTorch's default stride: the window's size, so windows do not overlap.</summary>
    public MaxPool2dLayerSpec(int kernel) : this(kernel, kernel)
    {
    }

    public override string Type => TypeName;

    public override string Token => string.Create(CultureInfo.InvariantCulture, $"maxpool{Kernel}{(Stride != Kernel ? $"s{Stride}" : "")}");

    public Pool2dShape Shape(FeatureShape input, int rows) => new(rows, input.Channels, input.Height, input.Width, Kernel, Stride);

    public override FeatureShape OutputShape(FeatureShape input)
    {
        var shape = Shape(input, 1);
        return shape.Problem is { } problem
            ? throw new InvalidInputException($"{Token} cannot take a {input} input: {problem}")
            : new FeatureShape(input.Channels, shape.OutHeight, shape.OutWidth);
    }

    protected override IEnumerable<(string, JsonNode?)> Settings() => [("kernel", Kernel), ("stride", Stride)];
}

/// <summary>PyTorch's nn.Dropout(<paramref name="Probability"/>): zeroes that fraction of elements while training, identity in evaluation.</summary>
public sealed record DropoutLayerSpec(float Probability) : LayerSpec
{
    public const string TypeName = "dropout";

    public override string Type => TypeName;

    public override string Token => string.Create(CultureInfo.InvariantCulture, $"dropout{Probability:R}");

    public override FeatureShape OutputShape(FeatureShape input) => Probability is >= 0f and < 1f
        ? input
        : throw new InvalidInputException($"a dropout probability must be in [0, 1), got {Probability.ToString(CultureInfo.InvariantCulture)}");

    protected override IEnumerable<(string, JsonNode?)> Settings() => [("p", AsWritten(Probability))];
}

/// <summary>PyTorch's nn.Flatten(): an image becomes a row of its channels x height x width features, a view of the same data.</summary>
public sealed record FlattenLayerSpec : LayerSpec
{
    public const string TypeName = "flatten";

    public override string Type => TypeName;

    public override string Token => TypeName;

    public override FeatureShape OutputShape(FeatureShape input) => FeatureShape.Flat(checked((int)input.Features));

    protected override IEnumerable<(string, JsonNode?)> Settings() => [];
}
