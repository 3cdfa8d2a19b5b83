using System.Text.Json.Nodes;
using Descent.Engine.Layers;
using Descent.Kernels;

namespace Descent.Engine.Models;

/// <summary>
/// One layer as <see cref="ModelSpec.Build"/> makes it: its spec and module index, its widths in features, the
/// activation fused into a linear or convolutional layer, and its weight and bias sizes (0 for a layer without).
/// </summary>
public sealed record AssembledLayer(LayerSpec Spec, int Module, int Inputs, int Outputs, Activation? FusedActivation,
    long WeightElements, string WeightShape, int BiasElements);

/// <summary>
/// A model as a list of layers (<see cref="LayerSpec"/>, in nn.Sequential's order) on inputs of
/// <see cref="InputShape"/>. The lesson's models and every --layers MLP are linear layers with an
/// activation between them (784-H-...-K) on a row of features; a convolutional net takes images
/// (1x28x28-conv32k3-relu-...). <see cref="Build"/> makes a <see cref="Sequential"/> of it on a backend,
/// each linear or convolutional layer fused with the activation that follows it.
/// </summary>
public sealed record ModelSpec
{
    public const int ImageFeatures = 784;

    public ModelSpec(FeatureShape inputShape, IReadOnlyList<LayerSpec> layers)
    {
        if (inputShape.Channels <= 0 || inputShape.Height <= 0 || inputShape.Width <= 0 || inputShape.Features > int.MaxValue)
        {
            throw new InvalidInputException($"a model needs a positive number of inputs, got {inputShape}");
        }
        if (!layers.OfType<LinearLayerSpec>().Any())
        {
            throw new InvalidInputException("a model needs at least one linear layer");
        }
        if (layers.OfType<LinearLayerSpec>().Any(linear => linear.Width <= 0))
        {
            throw new InvalidInputException("every linear layer needs a positive width");
        }
        InputShape = inputShape;
        Layers = layers.ToArray();
        var shapes = new List<FeatureShape> { inputShape };
        foreach (var layer in Layers)
        {
            shapes.Add(layer.OutputShape(shapes[^1]));
        }
        if (!shapes[^1].IsFlat)
        {
            throw new InvalidInputException($"a model ends in a row of outputs, not a {shapes[^1]} image: put flatten and a linear layer last");
        }
        Shapes = shapes;
    }

    public ModelSpec(int inputs, IReadOnlyList<LayerSpec> layers) : this(FeatureShape.Flat(inputs), layers)
    {
    }

    /// <summary>An MLP: linear layers of <paramref name="widths"/> (the first is the input) with <paramref name="activation"/> between them.</summary>
    public ModelSpec(IReadOnlyList<int> widths, Activation activation, LinearInit init)
        : this(widths.Count > 0 ? widths[0] : 0, MlpLayers(widths, activation, init))
    {
    }

    /// <summary>One input's shape: (784, 1, 1) for a row of pixels, (1, 28, 28) for an image.</summary>
    public FeatureShape InputShape { get; }

    /// <summary>Features of one input, the columns of a batch.</summary>
    public int Inputs => (int)InputShape.Features;

    public IReadOnlyList<LayerSpec> Layers { get; }

    /// <summary>The input's shape, then each layer's output shape.</summary>
    public IReadOnlyList<FeatureShape> Shapes { get; }

    /// <summary>The input width, then each linear layer's outputs: 784-128-10.</summary>
    public IReadOnlyList<int> Widths => [Inputs, .. Layers.OfType<LinearLayerSpec>().Select(linear => linear.Width)];

    public int Outputs => (int)Shapes[^1].Features;

    /// <summary>Whether the model is linear layers and activations on a row of features, as every MLP.</summary>
    public bool IsMlp => InputShape.IsFlat && Layers.All(layer => layer is LinearLayerSpec or ActivationLayerSpec);

    /// <summary>An MLP's widths, 784-128-10; any other model's layers as --layers spells them.</summary>
    public string WidthsText => IsMlp ? string.Join('-', Widths) : LayersText;

    /// <summary>The input, then every layer as --layers spells it: 784-128-relu-10, 1x28x28-conv32k3-relu-...</summary>
    public string LayersText => string.Join('-', Layers.Select(layer => layer.Token).Prepend(InputShape.ToString()));

    /// <summary>The nonlinearity between the linear layers (ReLU where there is none, as in a linear model).</summary>
    public Activation Activation => Layers.OfType<ActivationLayerSpec>().Select(layer => layer.Activation).FirstOrDefault(Activation.Relu);

    /// <summary>Whether the model has a nonlinearity at all.</summary>
    public bool HasActivation => Layers.OfType<ActivationLayerSpec>().Any();

    /// <summary>How the first linear layer starts.</summary>
    public LinearInit Init => Layers.OfType<LinearLayerSpec>().First().Init;

    /// <summary>The same layers with every activation replaced by <paramref name="activation"/>.</summary>
    public ModelSpec WithActivation(Activation activation) =>
        new(InputShape, Layers.Select(layer => layer is ActivationLayerSpec ? new ActivationLayerSpec(activation) { Name = layer.Name } : layer).ToArray());

    /// <summary>The lesson's linear model: 784 -> outputs, no hidden layer, N(0, 1) init.</summary>
    public static ModelSpec Linear(int outputs, int inputs = ImageFeatures) => new([inputs, outputs], Activation.Relu, LinearInit.StandardNormal);

    /// <summary>The lesson's simple_net: 784 -> 30 -> outputs with a nonlinearity between.</summary>
    public static ModelSpec Simple(int outputs, Activation activation, int inputs = ImageFeatures) =>
        new([inputs, 30, outputs], activation, LinearInit.PyTorchDefault);

    /// <summary>
    /// PyTorch's examples/mnist net on <paramref name="input"/> images, its modules named as the example names
    /// them (conv1, conv2, fc1, fc2) so that the example's state dict loads: two 3x3 convolutions, max-pooling,
    /// dropout, two linear layers.
    /// </summary>
    public static ModelSpec Cnn(FeatureShape input, int outputs) => new(input,
    [
        new Conv2dLayerSpec(32, 3) { Name = "conv1" },
        new ActivationLayerSpec(Activation.Relu),
        new Conv2dLayerSpec(64, 3) { Name = "conv2" },
        new ActivationLayerSpec(Activation.Relu),
        new MaxPool2dLayerSpec(2),
        new DropoutLayerSpec(0.25f),
        new FlattenLayerSpec(),
        new LinearLayerSpec(128, LinearInit.PyTorchDefault) { Name = "fc1" },
        new ActivationLayerSpec(Activation.Relu),
        new DropoutLayerSpec(0.5f),
        new LinearLayerSpec(outputs, LinearInit.PyTorchDefault) { Name = "fc2" },
    ]);

    /// <summary>What --help and errors say of the --layers grammar.</summary>
    public const string LayersGrammar =
        "INPUT-LAYER-...-LAYER joined by '-': INPUT is a width (784) or CxHxW (1x28x28); a LAYER is a width (a linear layer), " +
        "convNkK[sS][pP] (N output channels, KxK kernel, stride S, padding P), maxpoolK[sS], dropoutP, flatten, or an activation " +
        "(relu, sigmoid, tanh, leaky-relu). Without activation tokens --activation follows every convolution and hidden linear layer; " +
        "with them the list is taken as written (and --activation is not given).";

    /// <summary>
    /// A model from --layers (<see cref="LayersGrammar"/>): 784-128-10 is the MLP with <paramref name="activation"/>
    /// after each hidden layer; 1x28x28-conv32k3-relu-maxpool2-flatten-10 is taken as written. Activation tokens
    /// with an <paramref name="activationGiven"/> --activation are bad usage: one of the two would be ignored.
    /// </summary>
    public static ModelSpec Parse(string text, Activation activation, bool activationGiven)
    {
        var tokens = Tokens(text);
        if (tokens.Count < 2)
        {
            throw new InvalidInputException($"--layers needs at least an input and an output layer, got '{text}'");
        }
        var input = ParseInput(tokens[0], text);
        var layers = tokens.Skip(1).Select(token => ParseLayer(token, text)).ToList();
        var explicitActivations = layers.Any(layer => layer is ActivationLayerSpec);
        if (explicitActivations && activationGiven)
        {
            throw new InvalidInputException(
                $"--layers '{text}' names its activations, so --activation {CliNames.Of(activation)} would be ignored: give one or the other");
        }
        if (!explicitActivations)
        {
            var lastLinear = layers.FindLastIndex(layer => layer is LinearLayerSpec);
            layers = layers.SelectMany((layer, i) => layer is Conv2dLayerSpec || (layer is LinearLayerSpec && i != lastLinear)
                ? [layer, new ActivationLayerSpec(activation)]
                : new[] { layer }).ToList();
        }
        return new ModelSpec(input, layers);
    }

    private static List<string> Tokens(string text)
    {
        // Activation names may hold '-' themselves (leaky-relu): rejoin the pieces that spell one.
        var pieces = text.Split('-');
        var tokens = new List<string>();
        for (var i = 0; i < pieces.Length; i++)
        {
            if (i + 1 < pieces.Length && CliNames.All<Activation>().Contains($"{pieces[i]}-{pieces[i + 1]}"))
            {
                tokens.Add($"{pieces[i]}-{pieces[++i]}");
            }
            else
            {
                tokens.Add(pieces[i]);
            }
        }
        return tokens;
    }

    private static FeatureShape ParseInput(string token, string text)
    {
        var sizes = token.Split('x');
        var parsed = sizes.Select(size => PositiveInt(size)).ToArray();
        if ((sizes.Length != 1 && sizes.Length != 3) || parsed.Any(size => size is null))
        {
            throw new InvalidInputException(
                $"--layers starts with the input, a width (784) or channels x height x width (1x28x28); '{token}' in '{text}' is neither");
        }
        return sizes.Length == 1 ? FeatureShape.Flat(parsed[0]!.Value) : new FeatureShape(parsed[0]!.Value, parsed[1]!.Value, parsed[2]!.Value);
    }

    private static readonly System.Text.RegularExpressions.Regex ConvToken = new(@"^conv(\d+)k(\d+)(?:s(\d+))?(?:p(\d+))?$");
    private static readonly System.Text.RegularExpressions.Regex PoolToken = new(@"^maxpool(\d+)(?:s(\d+))?$");
    private static readonly System.Text.RegularExpressions.Regex DropoutToken = new(@"^dropout(0?\.\d+|0)$");

    private static LayerSpec ParseLayer(string token, string text)
    {
        if (PositiveInt(token) is { } width)
        {
            return new LinearLayerSpec(width, LinearInit.PyTorchDefault);
        }
        if (token == FlattenLayerSpec.TypeName)
        {
            return new FlattenLayerSpec();
        }
        if (CliNames.All<Activation>().Contains(token))
        {
            return new ActivationLayerSpec(CliNames.Parse<Activation>(token, "activation"));
        }
        if (ConvToken.Match(token) is { Success: true } conv
            && PositiveInt(conv.Groups[1].Value) is { } channels && PositiveInt(conv.Groups[2].Value) is { } kernel
            && (conv.Groups[3].Success ? PositiveInt(conv.Groups[3].Value) : 1) is { } stride
            && (conv.Groups[4].Success ? NonNegativeInt(conv.Groups[4].Value) : 0) is { } padding)
        {
            return new Conv2dLayerSpec(channels, kernel, stride, padding);
        }
        if (PoolToken.Match(token) is { Success: true } pool && PositiveInt(pool.Groups[1].Value) is { } window
            && (pool.Groups[2].Success ? PositiveInt(pool.Groups[2].Value) : window) is { } poolStride)
        {
            return new MaxPool2dLayerSpec(window, poolStride);
        }
        if (DropoutToken.Match(token) is { Success: true } dropout)
        {
            return new DropoutLayerSpec(float.Parse(dropout.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));
        }
        throw new InvalidInputException(
            $"'{token}' in --layers '{text}' is not a layer: give a width (128), convNkK[sS][pP] (conv32k3), maxpoolK[sS] (maxpool2), " +
            $"dropoutP (dropout0.25), flatten or an activation ({string.Join(", ", CliNames.All<Activation>())})");
    }

    private static int? PositiveInt(string text) => NonNegativeInt(text) is > 0 and var value ? value : null;

    private static int? NonNegativeInt(string text) =>
        int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var value) ? value : null;

    /// <summary>An MLP's JSON is {"inputs", "layers"} as before images came in; a model on images adds "input_shape" [C, H, W].</summary>
    public JsonObject ToJson()
    {
        var json = new JsonObject { ["inputs"] = Inputs };
        if (!InputShape.IsFlat)
        {
            json["input_shape"] = new JsonArray(InputShape.Channels, InputShape.Height, InputShape.Width);
        }
        json["layers"] = new JsonArray(Layers.Select(layer => (JsonNode)layer.ToJson()).ToArray());
        return json;
    }

    public static ModelSpec FromJson(JsonNode json)
    {
        var layers = json["layers"]!.AsArray().Select(layer => LayerSpec.FromJson(layer!)).ToArray();
        if (json["input_shape"] is not JsonArray shape)
        {
            return new(json["inputs"]!.GetValue<int>(), layers);
        }
        if (shape.Count != 3)
        {
            throw new InvalidInputException($"a model's input_shape is channels, height and width, got {shape.ToJsonString()}");
        }
        var model = new ModelSpec(new FeatureShape(shape[0]!.GetValue<int>(), shape[1]!.GetValue<int>(), shape[2]!.GetValue<int>()), layers);
        return model.Inputs == json["inputs"]!.GetValue<int>()
            ? model
            : throw new InvalidInputException($"a model's input_shape {model.InputShape} is not its {json["inputs"]} inputs");
    }

    /// <summary>
    /// The layers on <paramref name="backend"/>, seeded. A linear or convolutional layer followed by an
    /// activation carries it inside, so its forward is one fused op; an activation after anything else is a
    /// layer of its own. Each dropout layer draws its masks from the seed and its module index.
    /// </summary>
    public Sequential Build(ComputeBackend backend, int seed)
    {
        var random = new Random(seed);
        var layers = new List<ILayer>();
        foreach (var layer in Assembly())
        {
            var input = Shapes[layer.Module];
            var moduleName = layer.Spec.Name ?? layer.Module.ToString(System.Globalization.CultureInfo.InvariantCulture);
            layers.Add(layer.Spec switch
            {
                LinearLayerSpec linear => new Layers.Linear(backend, (int)input.Features, linear.Width, linear.Init, random, layer.FusedActivation)
                {
                    ModuleName = moduleName,
                },
                Conv2dLayerSpec conv => new Conv2d(backend, conv.Shape(input, 1), random, layer.FusedActivation) { ModuleName = moduleName },
                ActivationLayerSpec activation => new ActivationLayer(backend, activation.Activation),
                MaxPool2dLayerSpec pool => new MaxPool2d(backend, pool.Shape(input, 1)),
                DropoutLayerSpec dropout => new Dropout(backend, dropout.Probability, unchecked((uint)seed), (uint)layer.Module),
                FlattenLayerSpec => new Flatten(),
                _ => throw new InvalidOperationException($"no layer is built for a {layer.Spec.Type} spec"),
            });
        }
        return new Sequential(Inputs, layers.ToArray());
    }

    /// <summary>
    /// The layers <see cref="Build"/> makes, in order, with their module index, their widths in features and
    /// their parameters' sizes: a linear or convolutional layer followed by an activation carries it inside
    /// (its forward is one fused op); an activation after anything else is a layer of its own. What a run's
    /// memory is planned from, before anything is built.
    /// </summary>
    public IReadOnlyList<AssembledLayer> Assembly()
    {
        var assembled = new List<AssembledLayer>();
        for (var i = 0; i < Layers.Count; i++)
        {
            var input = Shapes[i];
            var fused = i + 1 < Layers.Count && Layers[i + 1] is ActivationLayerSpec next && Layers[i] is LinearLayerSpec or Conv2dLayerSpec
                ? next.Activation
                : (Activation?)null;
            var (weight, weightShape, bias) = Layers[i] switch
            {
                LinearLayerSpec linear => ((long)linear.Width * input.Features, $"{linear.Width} x {input.Features}", linear.Width),
                Conv2dLayerSpec conv => (conv.Shape(input, 1).WeightLength,
                    $"{conv.OutChannels} x {input.Channels} x {conv.Kernel} x {conv.Kernel}", conv.OutChannels),
                _ => (0L, "", 0),
            };
            assembled.Add(new AssembledLayer(Layers[i], i, (int)input.Features, (int)Shapes[i + 1].Features, fused, weight, weightShape, bias));
            if (fused is not null)
            {
                i++;
            }
        }
        return assembled;
    }

    /// <summary>Records compare their lists by content here: two specs of the same layers are the same model.</summary>
    public bool Equals(ModelSpec? other) => other is not null && InputShape == other.InputShape && Layers.SequenceEqual(other.Layers);

    public override int GetHashCode() => HashCode.Combine(Inputs, Layers.Count);

    private static LayerSpec[] MlpLayers(IReadOnlyList<int> widths, Activation activation, LinearInit init)
    {
        var layers = new List<LayerSpec>();
        for (var i = 1; i < widths.Count; i++)
        {
            layers.Add(new LinearLayerSpec(widths[i], init));
            if (i + 1 < widths.Count)
            {
                layers.Add(new ActivationLayerSpec(activation));
            }
        }
        return layers.ToArray();
    }
}
