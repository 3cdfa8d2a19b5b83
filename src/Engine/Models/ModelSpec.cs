using Descent.Engine.Layers;
using Descent.Kernels;

namespace Descent.Engine.Models;

/// <summary>
/// A multi-layer perceptron described by its widths (784-H-...-K), the activation between linear
/// layers and how the linear layers start. Builds a <see cref="Sequential"/> on a backend.
/// </summary>
/// <param name="Activation">
/// The nonlinearity between linear layers, or null for none: linear layers stacked with nothing between
/// them, which the lesson shows are no better than one.
/// </param>
public sealed record ModelSpec(IReadOnlyList<int> Widths, Activation? Activation, LinearInit Init)
{
    public const int ImageFeatures = 784;

    /// <summary>How specs spell the absence of an activation.</summary>
    public const string NoActivationName = "none";

    /// <summary>The activation as specs spell it: its command-line name, or "none".</summary>
    public string ActivationName => Activation is { } activation ? CliNames.Of(activation) : NoActivationName;

    /// <summary>Reads what <see cref="ActivationName"/> wrote.</summary>
    public static Kernels.Activation? ParseActivation(string name) =>
        name == NoActivationName ? null : CliNames.Parse<Kernels.Activation>(name, "activation");

    public int Outputs => Widths[^1];

    public string WidthsText => string.Join('-', Widths);

    /// <summary>The lesson's linear model: 784 -> outputs, no hidden layer, N(0, 1) init.</summary>
    public static ModelSpec Linear(int outputs, int inputs = ImageFeatures) => new([inputs, outputs], Kernels.Activation.Relu, LinearInit.StandardNormal);

    /// <summary>The lesson's simple_net: 784 -> 30 -> outputs with a nonlinearity between.</summary>
    public static ModelSpec Simple(int outputs, Kernels.Activation? activation, int inputs = ImageFeatures) =>
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

    /// <summary>
    /// Linear layers with the activation between them (none after the last: the loss takes logits).
    /// Each hidden layer carries its activation inside, so its forward is one fused op.
    /// </summary>
    public Sequential Build(ComputeBackend backend, int seed)
    {
        var random = new Random(seed);
        var layers = new ILayer[Widths.Count - 1];
        for (var i = 0; i < layers.Length; i++)
        {
            var hidden = i + 1 < layers.Length;
            layers[i] = new Layers.Linear(backend, Widths[i], Widths[i + 1], Init, random, hidden ? Activation : null);
        }
        return new Sequential(Widths[0], layers);
    }
}
