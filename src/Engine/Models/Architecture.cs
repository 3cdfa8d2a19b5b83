using Descent.Engine.Data;
using Descent.Engine.Losses;
using Descent.Kernels;

namespace Descent.Engine.Models;

/// <summary>
/// The model families `descent train --arch` offers, each with the lesson's training defaults, and
/// the rules that tie a model's output width to the dataset and the loss.
/// </summary>
public sealed record Architecture(string Name, int BatchSize, float LearningRate, int Epochs, float Momentum, string Summary)
{
    /// <summary>784 -> outputs, N(0, 1) init: the lesson's from-scratch model (batch 256, lr 1.0, 20 epochs).</summary>
    public static readonly Architecture Linear = new("linear", 256, 1.0f, 20, 0f, "784-1 (two classes) or 784-10, no hidden layer");

    /// <summary>The lesson's simple_net, 784 -> 30 -> outputs (batch 256, lr 0.1, 40 epochs).</summary>
    public static readonly Architecture Simple = new("simple", 256, 0.1f, 40, 0f, "784-30-K with --activation");

    /// <summary>Any widths from --layers; by default 784-128-K with SGD and momentum, which passes 0.97 on MNIST in a few epochs.</summary>
    public static readonly Architecture Mlp = new("mlp", 128, 0.05f, 5, 0.9f, "--layers, default 784-128-K");

    public static IReadOnlyList<Architecture> All { get; } = [Linear, Simple, Mlp];

    public const int DefaultHiddenWidth = 128;

    public static Architecture Parse(string name) =>
        All.FirstOrDefault(a => a.Name == name)
        ?? throw new InvalidInputException($"unknown architecture '{name}'; choose {string.Join(", ", All.Select(a => a.Name))}");

    /// <summary>The loss name that picks the loss from the output width.</summary>
    public const string AutoLossName = "auto";

    /// <summary>
    /// Resolves the model and the loss together. "auto" loss means mnist_loss for one output and
    /// cross-entropy for many; the default output width follows from the dataset and the loss, the
    /// input width from the data (<paramref name="inputFeatures"/>: 784 for MNIST's 28x28 images, but any
    /// image size loads). Rules: layers start at the input width; a two-class dataset ends in 1 output
    /// (mnist, bce, mse) or 2 (cross-entropy); a ten-class dataset ends in 10 with cross-entropy.
    /// </summary>
    public (ModelSpec Model, LossFunction Loss) Resolve(DatasetName dataset, string? layers, Activation activation, string lossName,
        int inputFeatures = ModelSpec.ImageFeatures)
    {
        if (layers is not null && this != Mlp)
        {
            throw new InvalidInputException($"--layers applies to --arch mlp, not to --arch {Name}");
        }
        var explicitWidths = layers is null ? null : ModelSpec.ParseWidths(layers);
        var loss = lossName == AutoLossName
            ? AutoLoss(explicitWidths?[^1] ?? (dataset.Classes == 2 ? 1 : dataset.Classes))
            : LossFunction.Parse(lossName);
        var outputs = explicitWidths?[^1] ?? (loss.SingleOutput ? 1 : dataset.Classes);
        var model = Name switch
        {
            "linear" => ModelSpec.Linear(outputs, inputFeatures),
            "simple" => ModelSpec.Simple(outputs, activation, inputFeatures),
            _ => new ModelSpec(explicitWidths ?? [inputFeatures, DefaultHiddenWidth, outputs], activation, Layers.LinearInit.PyTorchDefault),
        };
        CheckRules(dataset, model, loss, inputFeatures);
        return (model, loss);
    }

    private static LossFunction AutoLoss(int outputs) => outputs == 1 ? LossFunction.Mnist : LossFunction.CrossEntropy;

    private static void CheckRules(DatasetName dataset, ModelSpec model, LossFunction loss, int inputFeatures)
    {
        if (model.Widths[0] != inputFeatures)
        {
            throw new InvalidInputException($"layers must start at {inputFeatures}, the pixels of one image of the data, got {model.WidthsText}");
        }
        var fits = dataset.Classes == 2
            ? (model.Outputs == 1 && loss.SingleOutput) || (model.Outputs == 2 && !loss.SingleOutput)
            : model.Outputs == dataset.Classes && !loss.SingleOutput;
        if (!fits)
        {
            var rule = dataset.Classes == 2
                ? "a two-class dataset ends in 1 output with --loss mnist, bce or mse, or in 2 with --loss cross-entropy"
                : $"a {dataset.Classes}-class dataset ends in {dataset.Classes} outputs with --loss cross-entropy";
            throw new InvalidInputException($"layers {model.WidthsText} with --loss {loss.Name} do not fit {dataset.Name}: {rule}");
        }
    }
}
