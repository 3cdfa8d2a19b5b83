using System.Globalization;
using Descent.Engine.Data;
using Descent.Engine.Models;
using Descent.Engine.Training;
using Descent.Kernels;

namespace Descent.Engine.Lesson;

/// <summary>
/// Step 7 (chapter 5): all ten digits, softmax and cross-entropy, an MLP. The learning-rate finder sweeps
/// first and the MLP then trains at the rate it suggests.
/// </summary>
public sealed class FullMnistStep : LessonPart
{
    public override string Name => "full-mnist";

    public override bool NeedsTenDigits => true;

    public override string Title => "Full MNIST: softmax and cross-entropy, an MLP, the learning-rate finder";

    public override IEnumerable<LessonItem> Run(LessonContext context)
    {
        var splits = context.Data.Digits;
        var architecture = Architecture.Mlp;
        var (model, loss) = architecture.Resolve(DatasetName.Mnist, null, Activation.Relu, activationGiven: false, Architecture.AutoLossName,
            new FeatureShape(1, splits.Train.ImageRows, splits.Train.ImageCols));
        yield return new LessonNote($"{splits.Train.Count} training and {splits.Valid.Count} test images of ten digits; " +
            $"{model.LayersText}, loss {loss.Name} (softmax, then the negative log-likelihood of the right digit), " +
            $"SGD momentum {architecture.Momentum:G}, batch {architecture.BatchSize}");
        LearningRateSweep sweep;
        var sweepSpec = context.Spec(DatasetName.Mnist, splits, model, loss, architecture.LearningRate, architecture.BatchSize, 1, architecture.Momentum);
        using (var sweepRun = context.Run(sweepSpec, splits))
        {
            sweep = LearningRateFinder.Sweep(sweepRun.Learner, cancellation: context.Cancellation);
        }
        yield return new LessonNote(string.Create(CultureInfo.InvariantCulture,
            $"learning-rate finder: one batch per rate from {LearningRateFinder.DefaultStartRate:0e0} upward, {sweep.Rates.Count} of " +
            $"{sweep.PlannedSteps} steps ({sweep.EndingDescription}); lowest smoothed loss {sweep.MinimumLoss:F4} at lr {sweep.MinimumRate:G3}, " +
            $"so it suggests a tenth of that: {sweep.SuggestedRate:G3}"));
        yield return new LessonPicture("7-lr-finder.png", "the loss flat at tiny rates, falling, then shooting up past the minimum",
            sweep.Chart("Step 7: the learning-rate finder on full MNIST (784-128-10)"));

        var rate = (float)sweep.SuggestedRate;
        var spec = context.Spec(DatasetName.Mnist, splits, model, loss, rate, architecture.BatchSize, architecture.Epochs, architecture.Momentum);
        yield return new LessonNote(string.Create(CultureInfo.InvariantCulture,
            $"training a fresh {model.WidthsText} at the suggested lr {rate:G3} for {architecture.Epochs} epochs, measured on the test set"));
        using var run = context.Run(spec, splits);
        var table = new LessonTable([new("epoch", "F0"), new("train_loss", "F6"), new("test_loss", "F6"), new("accuracy", "F4"), new("time", "F2")]);
        yield return table;
        var last = 0.0;
        foreach (var epoch in context.Epochs(run, architecture.Epochs))
        {
            last = epoch.Accuracy;
            yield return new LessonRow(table, null, [epoch.Epoch, epoch.TrainLoss, epoch.EvaluationLoss, epoch.Accuracy, epoch.Seconds]);
        }
        yield return LessonFigure.Range($"test accuracy after {architecture.Epochs} epochs", last, Book.MlpLow, Book.MlpHigh, context.Data.IsFullMnist);
    }
}
