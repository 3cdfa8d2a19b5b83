using Descent.Engine.Files;
using Descent.Engine.Training;
using Descent.Kernels;

namespace Descent.Engine.Charts;

/// <summary>
/// The first layer's weights drawn in the input's shape: unit u's row of the weight matrix, laid out as
/// the image it multiplies (28x28 for MNIST), so that a pixel's weight sits where the pixel does. For the
/// lesson's linear 3-vs-7 model that is one panel: the pixel weights, positive where ink argues for a 3.
/// </summary>
public static class WeightMaps
{
    /// <summary>The name PyTorch (and <see cref="Models.ModelWeights"/>) gives the first linear layer's weight.</summary>
    public const string FirstWeightName = "0.weight";

    /// <param name="tensors">A model's tensors as <see cref="Models.ModelWeights.Export"/> or a saved file give them.</param>
    /// <param name="source">The file or model the tensors came from, for messages.</param>
    public static HeatMapChart FirstLayer(string title, TrainingSpec spec, IReadOnlyList<NamedTensor> tensors, string source)
    {
        var weight = tensors.FirstOrDefault(tensor => tensor.Name == FirstWeightName)
            ?? throw new InvalidInputException($"{source} has no tensor {FirstWeightName}: no first linear layer to draw");
        var inputs = spec.InputFeatures;
        if (weight.Shape.Count != 2 || weight.Shape[1] != inputs)
        {
            throw new InvalidInputException(
                $"{source}: {FirstWeightName} is [{string.Join(", ", weight.Shape)}] but the model's input is {string.Join('x', spec.InputShape)} ({inputs} values)");
        }
        var units = weight.Shape[0];
        // Channels, if any, are stacked top to bottom: a panel is the whole input of one unit.
        var cols = spec.InputShape[^1];
        var rows = inputs / cols;
        var panels = new HeatMapPanel[units];
        for (var unit = 0; unit < units; unit++)
        {
            var values = new double[inputs];
            for (var i = 0; i < inputs; i++)
            {
                values[i] = weight.Values[unit * inputs + i];
            }
            panels[unit] = new HeatMapPanel(units == 1 ? "weights" : $"unit {unit}", rows, cols, values);
        }
        return new HeatMapChart(title, panels, ColourScale.Diverging);
    }
}
