using System.Text.Json.Nodes;
using Descent.Engine.Layers;
using Descent.Kernels;

namespace Descent.Engine.Models;

/// <summary>One layer as <see cref="ModelSpec.Build"/> makes it: its spec, its widths, and for a linear layer the activation fused into it.</summary>
public sealed record AssembledLayer(LayerSpec Spec, int Inputs, int Outputs, Activation? FusedActivation);

/// <summary>
/// A model as a list of layers (<see cref="LayerSpec"/>, in nn.Sequential's order) on inputs of
/// <see cref="Inputs"/> features. The lesson's models and every --layers MLP are linear layers with an
/// activation between them (784-H-...-K); <see cref="Build"/> makes a <see cref="Sequential"/> of it on a
/// backend, each linear layer fused with the activation that follows it.
/// </summary>
public sealed record ModelSpec
{
    public const int ImageFeatures = 784;

    public ModelSpec(int inputs, IReadOnlyList<LayerSpec> layers)
    {
        if (inputs <= 0)
        {
            throw new InvalidInputException($"a model needs a positive number of inputs, got {inputs}");
        }
        if (!layers.OfType<LinearLayerSpec>().Any())
        {
            throw new InvalidInputException("a model needs at least one linear layer");
        }
        if (layers.OfType<LinearLayerSpec>().Any(linear => linear.Width <= 0))
        {
            throw new InvalidInputException("every linear layer needs a positive width");
        }
        Inputs = inputs;
        Layers = layers.ToArray();
    }

    /// <summary>An MLP: linear layers of <paramref name="widths"/> (the first is the input) with <paramref name="activation"/> between them.</summary>
    public ModelSpec(IReadOnlyList<int> widths, Activation activation, LinearInit init)
        : this(widths.Count > 0 ? widths[0] : 0, MlpLayers(widths, activation, init))
    {
    }

    public int Inputs { get; }

    public IReadOnlyList<LayerSpec> Layers { get; }

    /// <summary>The input width, then each linear layer's outputs: 784-128-10.</summary>
    public IReadOnlyList<int> Widths => [Inputs, .. Layers.OfType<LinearLayerSpec>().Select(linear => linear.Width)];

    public int Outputs => Widths[^1];

    public string WidthsText => string.Join('-', Widths);

    /// <summary>Every layer in order after the input width, a linear one by its width: 784-128-relu-10.</summary>
    public string LayersText => string.Join('-', Layers.Select(layer => layer is LinearLayerSpec linear ? linear.Width.ToString(System.Globalization.CultureInfo.InvariantCulture) : layer.Type).Prepend(Inputs.ToString(System.Globalization.CultureInfo.InvariantCulture)));

    /// <summary>The nonlinearity between the linear layers (ReLU where there is none, as in a linear model).</summary>
    public Activation Activation => Layers.OfType<ActivationLayerSpec>().Select(layer => layer.Activation).FirstOrDefault(Activation.Relu);

    /// <summary>Whether the model has a nonlinearity at all.</summary>
    public bool HasActivation => Layers.OfType<ActivationLayerSpec>().Any();

    /// <summary>How the first linear layer starts.</summary>
    public LinearInit Init => Layers.OfType<LinearLayerSpec>().First().Init;

    /// <summary>The same layers with every activation replaced by <paramref name="activation"/>.</summary>
    public ModelSpec WithActivation(Activation activation) =>
        new(Inputs, Layers.Select(layer => layer is ActivationLayerSpec ? new ActivationLayerSpec(activation) : layer).ToArray());

    /// <summary>The lesson's linear model: 784 -> outputs, no hidden layer, N(0, 1) init.</summary>
    public static ModelSpec Linear(int outputs, int inputs = ImageFeatures) => new([inputs, outputs], Activation.Relu, LinearInit.StandardNormal);

    /// <summary>The lesson's simple_net: 784 -> 30 -> outputs with a nonlinearity between.</summary>
    public static ModelSpec Simple(int outputs, Activation activation, int inputs = ImageFeatures) =>
        new([inputs, 30, outputs], activation, LinearInit.PyTorchDefault);

    /// <summary>Any depth from a "784-128-10" string.</summary>
    public static ModelSpec FromWidths(string widths, Activation activation) =>
        new(ParseWidths(widths), activation, LinearInit.PyTorchDefault);

    public static int[] ParseWidths(string text)
    {
        var parts = text.Split('-');
        var widths = new int[parts.Length];
        for (var i = 0; i < parts.Length; i++)
        {
            if (!int.TryParse(parts[i], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out widths[i])
                || widths[i] <= 0)
            {
                throw new InvalidInputException($"--layers takes positive widths joined by '-', like 784-128-10; '{parts[i]}' in '{text}' is not one");
            }
        }
        if (widths.Length < 2)
        {
            throw new InvalidInputException($"--layers needs at least an input and an output width, got '{text}'");
        }
        return widths;
    }

    public JsonObject ToJson() => new()
    {
        ["inputs"] = Inputs,
        ["layers"] = new JsonArray(Layers.Select(layer => (JsonNode)layer.ToJson()).ToArray()),
    };

    public static ModelSpec FromJson(JsonNode json) =>
        new(json["inputs"]!.GetValue<int>(), json["layers"]!.AsArray().Select(layer => LayerSpec.FromJson(layer!)).ToArray());

    /// <summary>
    /// The layers on <paramref name="backend"/>, seeded, as <see cref="Assembly"/> lays them out.
    /// </summary>
    public Sequential Build(ComputeBackend backend, int seed)
    {
        var random = new Random(seed);
        var layers = Assembly().Select(layer => layer.Spec switch
        {
            LinearLayerSpec linear => (ILayer)new Layers.Linear(backend, layer.Inputs, layer.Outputs, linear.Init, random, layer.FusedActivation),
            ActivationLayerSpec activation => new ActivationLayer(backend, activation.Activation),
            _ => throw new InvalidOperationException($"no layer is built for a {layer.Spec.Type} spec"),
        });
        return new Sequential(Inputs, layers.ToArray());
    }

    /// <summary>
    /// The layers <see cref="Build"/> makes, in order, with their widths: a linear layer followed by an
    /// activation carries it inside (its forward is one fused op); an activation after anything else is a
    /// layer of its own. What a run's memory is planned from, before anything is built.
    /// </summary>
    public IReadOnlyList<AssembledLayer> Assembly()
    {
        var assembled = new List<AssembledLayer>();
        var width = Inputs;
        for (var i = 0; i < Layers.Count; i++)
        {
            switch (Layers[i])
            {
                case LinearLayerSpec linear:
                    var fused = i + 1 < Layers.Count && Layers[i + 1] is ActivationLayerSpec next ? next.Activation : (Activation?)null;
                    assembled.Add(new AssembledLayer(linear, width, linear.Width, fused));
                    width = linear.Width;
                    if (fused is not null)
                    {
                        i++;
                    }
                    break;
                default:
                    assembled.Add(new AssembledLayer(Layers[i], width, width, null));
                    break;
            }
        }
        return assembled;
    }

    /// <summary>Records compare their lists by content here: two specs of the same layers are the same model.</summary>
    public bool Equals(ModelSpec? other) => other is not null && Inputs == other.Inputs && Layers.SequenceEqual(other.Layers);

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
