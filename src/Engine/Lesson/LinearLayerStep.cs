using Descent.Engine.Layers;
using Descent.Engine.Losses;
using Descent.Engine.Models;

namespace Descent.Engine.Lesson;

/// <summary>
/// Step 4: the same model through the library's pieces, as the book swaps in nn.Linear (PyTorch's default
/// init, uniform in +-1/sqrt(784)) and its SGD class: 20 epochs at lr 1.0.
/// </summary>
public sealed class LinearLayerStep : LessonPart
{
    public override string Name => "linear-layer";

    public override string Title => "The same with a linear layer and an optimizer object (nn.Linear and SGD in the book)";

    public override IEnumerable<LessonItem> Run(LessonContext context)
    {
        var splits = context.Data.ThreesAndSevens;
        var architecture = Architecture.Linear;
        var model = new ModelSpec(splits.Train.Features, [new LinearLayerSpec(1, LinearInit.PyTorchDefault)]);
        var spec = context.Spec(ThreesAndSevensTraining.Dataset, splits, model, LossFunction.Mnist, architecture.LearningRate,
            architecture.BatchSize, architecture.Epochs);
        yield return new LessonNote($"{model.WidthsText} with PyTorch's default init (uniform in +-1/sqrt({splits.Train.Features})), " +
            $"SGD lr {architecture.LearningRate:G}, batch {architecture.BatchSize}, {architecture.Epochs} epochs; in Descent steps 3 to 5 run the same " +
            "Linear layer and Sgd optimizer: the book changes the API between them, Descent only the init");
        yield return ThreesAndSevensTraining.MeasuredOn(context);
        using var run = context.Run(spec, splits);
        var accuracies = context.Epochs(run, architecture.Epochs).Select(epoch => epoch.Accuracy).ToList();
        yield return new LessonSeries($"{ThreesAndSevensTraining.Metric} after each epoch", accuracies, "F4");
        yield return LessonFigure.Final($"{ThreesAndSevensTraining.Metric} after {architecture.Epochs} epochs", accuracies[^1],
            Book.LinearLayerAfterTwenty, context.Data.IsBooksThreesAndSevens);
    }
}
