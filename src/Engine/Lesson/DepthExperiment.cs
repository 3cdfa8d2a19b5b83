using Descent.Engine.Layers;
using Descent.Engine.Models;
using Descent.Kernels;

namespace Descent.Engine.Lesson;

/// <summary>
/// Deeper against wider at the same parameter count: the default MLP's one hidden layer of 128 against
/// two and four hidden layers whose equal widths are chosen so that each model has as many parameters.
/// </summary>
public sealed class DepthExperiment : LessonPart
{
    /// <summary>Hidden layers of the models compared; the first is the wide one.</summary>
    private static readonly int[] Depths = [1, 2, 4];

    public override string Name => "depth";

    public override bool NeedsTenDigits => true;

    public override string Title => "Deeper against wider at the same parameter count";

    public override IEnumerable<LessonItem> Run(LessonContext context)
    {
        var features = context.Data.Digits.Train.Features;
        var classes = context.Data.Digits.Train.Classes;
        var wideWidths = new[] { features, Architecture.DefaultHiddenWidth, classes };
        var budget = ParameterCount(wideWidths);
        var models = Depths.Select(depth =>
        {
            var widths = depth == 1 ? wideWidths : Widths(features, WidthFor(depth, features, classes, budget), depth, classes);
            var label = $"{depth} hidden layer{(depth == 1 ? "" : "s")}: {string.Join('-', widths)}";
            return (label, new ModelSpec(widths, Activation.Relu, LinearInit.PyTorchDefault));
        }).ToList();
        yield return new LessonNote($"the wide model has {budget} parameters; each deeper one takes the hidden width that comes nearest to as many");
        foreach (var item in FullMnistComparison.Run(context, models, "depth.png", "Deeper against wider at the same parameter count (full MNIST)",
                     "test accuracy per epoch of the wide and the deeper models"))
        {
            yield return item;
        }
    }

    /// <summary>Weights and biases of a stack of linear layers of these widths.</summary>
    public static int ParameterCount(IReadOnlyList<int> widths) =>
        Enumerable.Range(0, widths.Count - 1).Sum(i => widths[i] * widths[i + 1] + widths[i + 1]);

    /// <summary>The hidden width whose <paramref name="depth"/>-layer model comes nearest to <paramref name="budget"/> parameters.</summary>
    public static int WidthFor(int depth, int features, int classes, int budget) =>
        Enumerable.Range(1, features).MinBy(width => Math.Abs(ParameterCount(Widths(features, width, depth, classes)) - budget));

    private static int[] Widths(int features, int width, int depth, int classes) =>
        [features, .. Enumerable.Repeat(width, depth), classes];
}
