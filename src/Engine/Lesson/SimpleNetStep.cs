using Descent.Engine.Charts;
using Descent.Engine.Losses;
using Descent.Engine.Models;
using Descent.Engine.Training;
using Descent.Kernels;

namespace Descent.Engine.Lesson;

/// <summary>Step 6: simple_net, Linear(784, 30) - ReLU - Linear(30, 1), fit(40, lr 0.1), with its loss curves.</summary>
public sealed class SimpleNetStep : LessonPart
{
    /// <summary>Rows printed: every this many epochs (and the last); the picture has them all.</summary>
    private const int PrintEvery = 5;

    public override string Name => "simple-net";

    public override string Title => "simple_net: Linear(784, 30), ReLU, Linear(30, 1), fit(40, lr 0.1)";

    public override IEnumerable<LessonItem> Run(LessonContext context)
    {
        var splits = context.Data.ThreesAndSevens;
        var architecture = Architecture.Simple;
        var model = ModelSpec.Simple(1, Activation.Relu, splits.Train.Features);
        var spec = context.Spec(ThreesAndSevensTraining.Dataset, splits, model, LossFunction.Mnist, architecture.LearningRate,
            architecture.BatchSize, architecture.Epochs);
        yield return new LessonNote($"{model.LayersText}, PyTorch's default init, mnist_loss, SGD lr {architecture.LearningRate:G}, " +
            $"batch {architecture.BatchSize}, {architecture.Epochs} epochs; the first and every {PrintEvery}th epoch printed, all of them drawn");
        yield return ThreesAndSevensTraining.MeasuredOn(context);
        using var run = context.Run(spec, splits);
        var table = ThreesAndSevensTraining.EpochTable();
        yield return table;
        var history = new List<EpochRecord>();
        foreach (var epoch in context.Epochs(run, architecture.Epochs))
        {
            history.Add(epoch);
            if (epoch.Epoch == 1 || epoch.Epoch % PrintEvery == 0 || epoch.Epoch == architecture.Epochs)
            {
                yield return ThreesAndSevensTraining.Row(table, epoch);
            }
        }
        yield return LessonFigure.Final($"{ThreesAndSevensTraining.Metric} after {architecture.Epochs} epochs", history[^1].Accuracy,
            Book.SimpleNetAfterForty, context.Data.IsBooksThreesAndSevens);
        yield return new LessonPicture("6-simple-net-curves.png", "train_loss and valid_loss falling and batch_accuracy rising, epoch by epoch",
            TrainingCurves.From("Step 6: simple_net on 3s and 7s, fit(40, lr 0.1)", history, "valid", ThreesAndSevensTraining.Metric));
    }
}
