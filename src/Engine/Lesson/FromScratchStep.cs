using Descent.Engine.Charts;
using Descent.Engine.Losses;
using Descent.Engine.Models;

namespace Descent.Engine.Lesson;

/// <summary>
/// Step 3: the linear model from scratch, xb @ weights + bias with every parameter from N(0, 1),
/// mnist_loss, batch 256, lr 1.0: its accuracy at initialisation, after one epoch and after 20 more,
/// and its pixel weights.
/// </summary>
public sealed class FromScratchStep : LessonPart
{
    public override string Name => "from-scratch";

    public override string Title => "A linear model from scratch: N(0, 1) weights, mnist_loss, batch 256, lr 1.0";

    public override IEnumerable<LessonItem> Run(LessonContext context)
    {
        var splits = context.Data.ThreesAndSevens;
        var architecture = Architecture.Linear;
        const int moreEpochs = 20;
        var spec = context.Spec(ThreesAndSevensTraining.Dataset, splits, ModelSpec.Linear(1, splits.Train.Features), LossFunction.Mnist,
            architecture.LearningRate, architecture.BatchSize, 1 + moreEpochs);
        yield return new LessonNote($"{spec.Model.WidthsText}: one weight per pixel and a bias, from N(0, 1) (seed {context.Seed}); " +
            "p = sigmoid(xb @ weights + bias); mnist_loss = mean of (1 - p where the target is 3, p where it is 7)");
        yield return ThreesAndSevensTraining.MeasuredOn(context);
        yield return new LessonNote($"Descent shuffles the training set every epoch (seeded); the book's DataLoader(dset, batch_size=256) does not, " +
            "so each of its epochs sees all the 3s and then all the 7s (steps 3 to 6)");
        using var run = context.Run(spec, splits);
        var start = WeightMaps.FirstLayer("", spec, ModelWeights.Export(run.Backend, run.Model), "the model at initialisation").Panels[0];
        var atInit = run.Learner.Evaluate();
        yield return LessonFigure.RandomStart($"{ThreesAndSevensTraining.Metric} at initialisation", atInit.Accuracy, Book.FromScratchAtInit);
        var first = context.Epochs(run, 1).Single();
        yield return LessonFigure.RandomStart($"{ThreesAndSevensTraining.Metric} after 1 epoch", first.Accuracy, Book.FromScratchAfterOneEpoch);
        var accuracies = new List<double>();
        foreach (var epoch in context.Epochs(run, moreEpochs))
        {
            accuracies.Add(epoch.Accuracy);
        }
        yield return new LessonSeries($"{ThreesAndSevensTraining.Metric} after each of the {moreEpochs} more epochs", accuracies, "F4");
        yield return LessonFigure.Final($"{ThreesAndSevensTraining.Metric} after {moreEpochs} more", accuracies[^1],
            Book.FromScratchAfterTwentyMore, context.Data.IsBooksThreesAndSevens);
        var trained = WeightMaps.FirstLayer("", spec, ModelWeights.Export(run.Backend, run.Model), "the trained model").Panels[0];
        var learned = trained.Values.Select((weight, pixel) => weight - start.Values[pixel]).ToArray();
        yield return new LessonPicture("3-pixel-weights.png",
            "the 784 pixel weights in the image's shape, and what training added to their N(0, 1) start: pixels that never hold ink " +
            "keep their random start; red where ink argues for a 3, blue for a 7",
            new HeatMapChart("Step 3: pixel weights (red: a 3, blue: a 7)",
            [
                trained with { Label = "weights after training" },
                new HeatMapPanel("learned: weights minus their start", trained.Rows, trained.Cols, learned),
            ], ColourScale.Diverging));
    }
}
