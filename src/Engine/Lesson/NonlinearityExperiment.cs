using Descent.Engine.Layers;
using Descent.Engine.Models;
using Descent.Kernels;

namespace Descent.Engine.Lesson;

/// <summary>
/// Two linear layers with nothing between them are one linear layer with other parameters, so they do
/// no better than one; put a ReLU between them and they do. On full MNIST, where the gap is wide.
/// </summary>
public sealed class NonlinearityExperiment : LessonPart
{
    public override string Name => "nonlinearity";

    public override bool NeedsTenDigits => true;

    public override string Title => "Why a nonlinearity: two linear layers against one, with and without ReLU";

    public override IEnumerable<LessonItem> Run(LessonContext context)
    {
        var features = context.Data.Digits.Train.Features;
        var classes = context.Data.Digits.Train.Classes;
        var hidden = Architecture.DefaultHiddenWidth;
        var init = LinearInit.PyTorchDefault;
        (string, ModelSpec)[] models =
        [
            ($"one linear layer {features}-{classes}", new ModelSpec(features, [new LinearLayerSpec(classes, init)])),
            ($"two linear layers {features}-{hidden}-{classes}, nothing between",
                new ModelSpec(features, [new LinearLayerSpec(hidden, init), new LinearLayerSpec(classes, init)])),
            ($"two linear layers {features}-{hidden}-{classes}, ReLU between", new ModelSpec([features, hidden, classes], Activation.Relu, init)),
        ];
        yield return new LessonNote("without an activation, W2 (W1 x + b1) + b2 = (W2 W1) x + (W2 b1 + b2): still one linear map of the pixels; " +
            "full MNIST, where a linear model stops well short of an MLP, shows it most clearly");
        foreach (var item in FullMnistComparison.Run(context, models, "nonlinearity.png",
                     "One linear layer, two without a nonlinearity, two with ReLU (full MNIST)",
                     "test accuracy per epoch: the two purely linear models together, the ReLU model above them"))
        {
            yield return item;
        }
    }
}
