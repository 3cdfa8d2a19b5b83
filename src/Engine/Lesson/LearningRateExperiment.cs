using System.Globalization;
using Descent.Engine.Charts;
using Descent.Engine.Losses;
using Descent.Engine.Models;
using Descent.Kernels;

namespace Descent.Engine.Lesson;

/// <summary>
/// A learning rate too small, a good one and one too large on the 3-vs-7 two-layer net: slow, converges,
/// diverges (the guard's message). mnist_loss cannot exceed 1 and a ReLU unit pushed too far stops
/// learning for good, so a large rate there only stalls; binary cross-entropy, which grows without bound,
/// and leaky ReLU, which never stops, let it blow up as the lesson says it does.
/// </summary>
public sealed class LearningRateExperiment : LessonPart
{
    private const int Epochs = 10;

    /// <summary>Too small, good (simple_net's rate in the book), too large.</summary>
    private static readonly (string Label, float Rate)[] Rates = [("too small", 0.001f), ("good", 0.1f), ("too large", 30f)];

    public override string Name => "learning-rate";

    public override string Title => "A learning rate too small, good, and too large";

    public override IEnumerable<LessonItem> Run(LessonContext context)
    {
        var splits = context.Data.ThreesAndSevens;
        var architecture = Architecture.Simple;
        var model = ModelSpec.Simple(1, Activation.LeakyRelu, splits.Train.Features);
        yield return new LessonNote($"{model.LayersText}, loss {LossFunction.BinaryCrossEntropy.Name}, " +
            $"SGD batch {architecture.BatchSize}, {Epochs} epochs at each rate, same seed; bce and leaky ReLU rather than mnist_loss and ReLU, " +
            "because mnist_loss cannot exceed 1 and dead ReLU units stop a large rate from blowing up: it would only stall");
        yield return ThreesAndSevensTraining.MeasuredOn(context);
        var table = new LessonTable([new("lr", "G3"), new("epochs done", "F0"), new("valid_loss", "F4"), new(ThreesAndSevensTraining.Metric, "F4")],
            "rate", Rates.Select(r => r.Label).ToList());
        yield return table;
        var variants = new List<Variant>();
        foreach (var (label, rate) in Rates)
        {
            var spec = context.Spec(ThreesAndSevensTraining.Dataset, splits, model, LossFunction.BinaryCrossEntropy, rate, architecture.BatchSize, Epochs);
            var variant = Variant.Train(context, label, spec, splits, Epochs);
            variants.Add(variant);
            var end = variant.History.Count > 0 ? variant.History[^1] : null;
            yield return new LessonRow(table, label, [rate, variant.History.Count, end?.EvaluationLoss ?? double.NaN, end?.Accuracy ?? double.NaN]);
            if (variant.Divergence is { } message)
            {
                yield return new LessonNote(string.Create(CultureInfo.InvariantCulture, $"lr {rate:G}: the guard stopped it: {message}"));
            }
        }
        var drawn = variants.Where(v => v.History.Count > 0).ToList();
        var notDrawn = variants.Except(drawn).Select(v => string.Create(CultureInfo.InvariantCulture, $"lr {v.Spec.Schedule.LearningRate:G}")).ToList();
        yield return new LessonPicture("learning-rate.png",
            "valid_loss per epoch: the small rate creeping down, the good one dropping at once" +
            (notDrawn.Count > 0 ? $" ({string.Join(", ", notDrawn)} diverged in its first epoch: no point to draw)" : ""),
            new LineChart("Learning rate too small, good, too large (3s and 7s, 784-30-1)", "epoch", "valid_loss (log scale)",
                drawn.Select(v => new ChartSeries(string.Create(CultureInfo.InvariantCulture, $"{v.Label}: lr {v.Spec.Schedule.LearningRate:G}"),
                    Enumerable.Range(0, v.History.Count + 1).Select(e => (double)e).ToArray(), v.EvaluationLosses, SeriesStyle.LineAndMarkers)).ToList(),
                LogY: true));
    }
}
