using Descent.Engine.Layers;
using Descent.Engine.Losses;
using Descent.Engine.Models;

namespace Descent.Engine.Lesson;

/// <summary>Step 5: a Learner's fit(10, lr 1.0) on the linear layer, printing the book's table per epoch.</summary>
public sealed class LearnerStep : LessonPart
{
    private const int Epochs = 10;

    public override string Name => "learner";

    public override string Title => "A Learner: fit(10, lr 1.0) with train_loss, valid_loss and batch_accuracy per epoch";

    public override IEnumerable<LessonItem> Run(LessonContext context)
    {
        var splits = context.Data.ThreesAndSevens;
        var architecture = Architecture.Linear;
        var model = new ModelSpec(splits.Train.Features, [new LinearLayerSpec(1, LinearInit.PyTorchDefault)]);
        var spec = context.Spec(ThreesAndSevensTraining.Dataset, splits, model, LossFunction.Mnist, architecture.LearningRate,
            architecture.BatchSize, Epochs);
        yield return new LessonNote($"Descent's Learner (data on the device, model, optimizer, loss, metric; one epoch per call) " +
            $"on a fresh {model.WidthsText} linear layer, mnist_loss, SGD lr {architecture.LearningRate:G}, batch {architecture.BatchSize}");
        yield return ThreesAndSevensTraining.MeasuredOn(context);
        using var run = context.Run(spec, splits);
        var table = ThreesAndSevensTraining.EpochTable();
        yield return table;
        var last = 0.0;
        foreach (var epoch in context.Epochs(run, Epochs))
        {
            last = epoch.Accuracy;
            yield return ThreesAndSevensTraining.Row(table, epoch);
        }
        yield return LessonFigure.Final($"{ThreesAndSevensTraining.Metric} after {Epochs} epochs", last, Book.LearnerAfterTen,
            context.Data.IsBooksThreesAndSevens);
    }
}
