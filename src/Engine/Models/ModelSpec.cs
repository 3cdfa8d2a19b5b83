using System.Globalization;
using System.Text.Json.Nodes;
using Descent.Engine.Layers;
using Descent.Kernels;

namespace Descent.Engine.Models;

/// <summary>
/// A model as a list of layers (<see cref="LayerSpec"/>, in nn.Sequential's order) on inputs of
/// <see cref="InputShape"/>. The lesson's models and every --layers MLP are linear layers with an
/// activation between them (784-H-...-K) on a row of features; a convolutional net takes images
/// (1x28x28-conv32k3-relu-...); a residual block is one layer holding others. <see cref="Graph"/> expands the
/// list into the model's graph and <see cref="Build"/> makes a <see cref="Network"/> of it on a backend.
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
        Graph = ModelGraph.Of(inputShape, Layers);
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

    /// <summary>The model as a graph of layers: what is built, named, saved, exported and planned.</summary>
    public ModelGraph Graph { get; }

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

    /// <summary>
    /// The deepest CIFAR ResNet taken: He et al.'s deepest, 1202 layers (n = 200). The bound is checked before the model's
    /// blocks are built, so that a mistyped depth is refused instead of filling memory with layer records.
    /// </summary>
    public const int MaxResnetDepth = 1202;

    /// <summary>The depths a CIFAR ResNet takes: 6n + 2 for n blocks per stage, n from 1 to 200.</summary>
    public const string ResnetDepthRule = "6n + 2 for n from 1 to 200 (8, 14, 20, 32, 44, 56, 110, ..., 1202)";

    /// <summary>Why <paramref name="depth"/> is no CIFAR ResNet's depth, or null when it is one.</summary>
    public static string? ResnetDepthProblem(int depth) => depth is >= 8 and <= MaxResnetDepth && (depth - 2) % 6 == 0
        ? null
        : $"--depth {depth} is not a ResNet depth: give {ResnetDepthRule}";

    /// <summary>
    /// He et al.'s CIFAR ResNet of <paramref name="depth"/> layers (6n + 2) on <paramref name="input"/> images, as a tree of
    /// modules named as torchvision's ResNet names them: conv1 (3x3 to 16 channels, no bias), bn1, relu; three stages
    /// layer1..layer3 of n BasicBlocks at 16, 32 and 64 channels, the first block of stages 2 and 3 at stride 2; each
    /// block conv1-bn1-relu-conv2-bn2 plus its shortcut, then a ReLU after the sum, as BasicBlock.forward has it; where the
    /// shape changes the shortcut is torchvision's downsample (a 1x1 convolution at stride 2 without bias, then a
    /// batch normalisation); then global average pooling (avgpool) and one linear layer (fc). Convolutions start as
    /// torchvision's ResNet restarts them (kaiming-normal over the fan-out), batch normalisation at weight 1 and bias 0,
    /// fc at PyTorch's default.
    /// </summary>
    public static ModelSpec Resnet(FeatureShape input, int outputs, int depth)
    {
        if (ResnetDepthProblem(depth) is { } problem)
        {
            throw new InvalidInputException(problem);
        }
        static Conv2dLayerSpec Conv(int channels, int kernel, int stride, string? name) =>
            new(channels, kernel, stride, Padding: kernel / 2, Bias: false, Init: ConvInit.KaimingNormalFanOut) { Name = name };
        static ActivationLayerSpec Relu(string? name) => new(Activation.Relu) { Name = name };
        var layers = new List<LayerSpec> { Conv(16, 3, 1, "conv1"), new BatchNormLayerSpec { Name = "bn1" }, Relu("relu") };
        var blocksPerStage = (depth - 2) / 6;
        var channels = 16;
        foreach (var (stage, stageChannels) in new[] { (1, 16), (2, 32), (3, 64) })
        {
            for (var block = 0; block < blocksPerStage; block++)
            {
                var stride = stage > 1 && block == 0 ? 2 : 1;
                LayerSpec[] body = [Conv(stageChannels, 3, stride, "conv1"), new BatchNormLayerSpec { Name = "bn1" }, Relu("relu"),
                    Conv(stageChannels, 3, 1, "conv2"), new BatchNormLayerSpec { Name = "bn2" }];
                LayerSpec[] downsample = stride != 1 || stageChannels != channels ? [Conv(stageChannels, 1, stride, null), new BatchNormLayerSpec()] : [];
                // The block's layers are its own children (BodyModule ""), its projection is "downsample": torchvision's tree.
                layers.Add(new ResidualLayerSpec(body, downsample)
                {
                    Name = string.Create(CultureInfo.InvariantCulture, $"layer{stage}.{block}"),
                    BodyModule = "",
                    ShortcutModule = "downsample",
                });
                // After the sum, as BasicBlock.forward's last relu; it has no tensors, so its module index names only its ONNX node.
                layers.Add(Relu(null));
                channels = stageChannels;
            }
        }
        layers.Add(new GlobalAvgPool2dLayerSpec { Name = "avgpool" });
        layers.Add(new LinearLayerSpec(outputs, LinearInit.PyTorchDefault) { Name = "fc" });
        return new ModelSpec(input, layers);
    }

    /// <summary>What --help and errors say of the --layers grammar, from every kind's own description.</summary>
    public static string LayersGrammar { get; } =
        "INPUT-LAYER-...-LAYER joined by '-': INPUT is a width (784) or CxHxW (1x28x28); a LAYER is " +
        string.Join("; ", LayerKinds.Grammar) + ". Without activation tokens --activation follows every convolution and hidden linear layer of the top level " +
        "(a block is taken as written); with them the list is taken as written (and --activation is not given).";

    /// <summary>
    /// A model from --layers (<see cref="LayersGrammar"/>): 784-128-10 is the MLP with <paramref name="activation"/>
    /// after each hidden layer; 1x28x28-conv32k3-relu-maxpool2-flatten-10 is taken as written. Activation tokens
    /// with an <paramref name="activationGiven"/> --activation are bad usage: one of the two would be ignored.
    /// </summary>
    public static ModelSpec Parse(string text, Activation activation, bool activationGiven)
    {
        var tokens = Tokens(text, text);
        if (tokens.Count < 2)
        {
            throw new InvalidInputException($"--layers needs at least an input and an output layer, got '{text}'");
        }
        var input = ParseInput(tokens[0], text);
        var layers = tokens.Skip(1).Select(token => ParseLayer(token, text)).ToList();
        var explicitActivations = text.Split('-', '(', ')', '+').Any(token => CliNames.All<Activation>().Contains(token))
            || layers.Any(layer => layer is ActivationLayerSpec);
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

    /// <summary>
    /// The '-'-joined tokens of <paramref name="text"/>, a block's parenthesised layers kept whole in its token;
    /// activation names that hold '-' themselves (leaky-relu) are rejoined.
    /// </summary>
    private static List<string> Tokens(string text, string whole)
    {
        var pieces = new List<string>();
        var depth = 0;
        var start = 0;
        for (var i = 0; i <= text.Length; i++)
        {
            if (i == text.Length || (text[i] == '-' && depth == 0))
            {
                pieces.Add(text[start..i]);
                start = i + 1;
                continue;
            }
            depth += text[i] switch { '(' => 1, ')' => -1, _ => 0 };
            if (depth < 0)
            {
                throw new InvalidInputException($"--layers '{whole}' closes a parenthesis it never opened");
            }
        }
        if (depth != 0)
        {
            throw new InvalidInputException($"--layers '{whole}' opens a parenthesis it never closes");
        }
        var tokens = new List<string>();
        for (var i = 0; i < pieces.Count; i++)
        {
            if (i + 1 < pieces.Count && CliNames.All<Activation>().Contains($"{pieces[i]}-{pieces[i + 1]}"))
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

    private static LayerSpec ParseLayer(string token, string text) =>
        LayerKinds.ParseToken(token, inner => Tokens(inner, text).Select(innerToken => ParseLayer(innerToken, text)).ToArray())
        ?? throw new InvalidInputException($"'{token}' in --layers '{text}' is not a layer: give {string.Join("; ", LayerKinds.Grammar)}");

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
        var layers = LayerKinds.ListFromJson(json["layers"], "a model spec");
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
    /// The model on <paramref name="backend"/>, seeded: its graph's layers, parameters in one store and state.
    /// A linear or convolutional layer followed by an activation carries it inside, so its forward is one fused
    /// op; each dropout layer draws its masks from the seed and its own stream.
    /// </summary>
    public Network Build(ComputeBackend backend, int seed) => new(backend, Graph, seed);

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
