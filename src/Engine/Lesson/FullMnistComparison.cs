using Descent.Engine.Charts;
using Descent.Engine.Data;
using Descent.Engine.Losses;
using Descent.Engine.Models;

namespace Descent.Engine.Lesson;

/// <summary>
/// What the nonlinearity and depth experiments share: models compared on full MNIST, each trained as
/// `descent train`'s default MLP is (SGD with momentum, cross-entropy, the same seed and epochs), with a
/// row per model and their test accuracy per epoch drawn together.
/// </summary>
internal static class FullMnistComparison
{
    public const int Epochs = 5;

    public static IEnumerable<LessonItem> Run(LessonContext context, IReadOnlyList<(string Label, ModelSpec Model)> models, string fileName,
        string title, string description)
    {
        var splits = context.Data.Digits;
        var architecture = Architecture.Mlp;
        yield return new LessonNote($"{splits.Train.Count} training and {splits.Valid.Count} test images of ten digits; each model: loss cross-entropy, " +
            $"SGD lr {architecture.LearningRate:G} momentum {architecture.Momentum:G}, batch {architecture.BatchSize}, {Epochs} epochs, seed {context.Seed}; " +
            "measured on the test set");
        var table = new LessonTable([new("parameters", "F0"), new("s/epoch", "F3"), new("test_loss", "F4"), new("accuracy", "F4")], "model",
            models.Select(m => m.Label).ToList());
        yield return table;
        var variants = new List<Variant>();
        foreach (var (label, model) in models)
        {
            var spec = context.Spec(DatasetName.Mnist, splits, model, LossFunction.CrossEntropy, architecture.LearningRate, architecture.BatchSize,
                Epochs, architecture.Momentum);
            var variant = Variant.Train(context, label, spec, splits, Epochs);
            variants.Add(variant);
            yield return new LessonRow(table, label, [variant.Parameters, variant.SecondsPerEpoch, variant.History[^1].EvaluationLoss, variant.History[^1].Accuracy]);
        }
        var best = variants.MaxBy(v => v.History[^1].Accuracy)!;
        yield return new LessonNote($"highest test accuracy: {best.Label}");
        // From the first epoch: the untrained models' 0.1 would flatten the differences that matter.
        yield return new LessonPicture(fileName, description, new LineChart(title, "epoch", "test accuracy",
            variants.Select(v => new ChartSeries(v.Label, v.History.Select(epoch => (double)epoch.Epoch).ToArray(),
                v.History.Select(epoch => epoch.Accuracy).ToArray(), SeriesStyle.LineAndMarkers)).ToList()));
    }
}
