using Descent.Engine.Charts;
using Descent.Engine.Layers;
using Descent.Engine.Losses;
using Descent.Engine.Models;

namespace Descent.Engine.Lesson;

/// <summary>
/// Batch gradient descent (the whole training set per step), stochastic (one item per step) and mini-batch
/// (the lesson's 256) on the 3-vs-7 linear model, for the same number of epochs: the loss against items
/// seen, seconds per epoch and the final accuracy.
/// </summary>
public sealed class BatchSizeExperiment : LessonPart
{
    private const int Epochs = 5;

    public override string Name => "batch-size";

    public override string Title => "Batch against stochastic against mini-batch gradient descent";

    public override IEnumerable<LessonItem> Run(LessonContext context)
    {
        var splits = context.Data.ThreesAndSevens;
        var architecture = Architecture.Linear;
        var model = new ModelSpec(splits.Train.Features, [new LinearLayerSpec(1, LinearInit.PyTorchDefault)]);
        (string Label, int BatchSize)[] methods =
        [
            ("batch (whole set)", splits.Train.Count),
            ("stochastic (one item)", 1),
            ("mini-batch", architecture.BatchSize),
        ];
        yield return new LessonNote($"{model.WidthsText} linear model, mnist_loss, SGD lr {architecture.LearningRate:G}, {Epochs} epochs each, " +
            $"same seed: the same {Epochs * splits.Train.Count} items seen, in {string.Join(", ", methods.Select(m => $"{Steps(splits.Train.Count, m.BatchSize)}"))} steps");
        yield return ThreesAndSevensTraining.MeasuredOn(context);
        var table = new LessonTable([new("batch", "F0"), new("steps/epoch", "F0"), new("s/epoch", "F3"), new("valid_loss", "F4"),
            new(ThreesAndSevensTraining.Metric, "F4")], "method", methods.Select(m => m.Label).ToList());
        yield return table;
        var variants = new List<Variant>();
        foreach (var (label, batchSize) in methods)
        {
            var spec = context.Spec(ThreesAndSevensTraining.Dataset, splits, model, LossFunction.Mnist, architecture.LearningRate, batchSize, Epochs);
            var variant = Variant.Train(context, label, spec, splits, Epochs);
            variants.Add(variant);
            yield return new LessonRow(table, label, [batchSize, Steps(splits.Train.Count, batchSize), variant.SecondsPerEpoch,
                variant.History[^1].EvaluationLoss, variant.History[^1].Accuracy]);
        }
        var fastest = variants.MinBy(v => v.SecondsPerEpoch)!;
        var lowest = variants.MinBy(v => v.History[^1].EvaluationLoss)!;
        yield return new LessonNote($"fastest epochs: {fastest.Label}; lowest loss after {Epochs} epochs: {lowest.Label}. One step per epoch learns " +
            "little from many items; one item per step learns the most per item but pays a step per item; a mini-batch trades between them");
        yield return new LessonPicture("batch-size.png", "valid_loss against items seen for the three batch sizes",
            new LineChart("Batch, stochastic and mini-batch gradient descent (3s and 7s, linear model)", "training items seen",
                "valid_loss (log scale)",
                variants.Select(v => new ChartSeries($"{v.Label}, batch {v.Spec.BatchSize}", v.ItemsSeen(splits.Train.Count), v.EvaluationLosses,
                    SeriesStyle.LineAndMarkers)).ToList(), LogY: true));
    }

    private static int Steps(int items, int batchSize) => (items + batchSize - 1) / batchSize;
}
