using Descent.Engine.Data;
using Descent.Engine.Losses;
using Descent.Engine.Optimizers;
using Descent.Engine.Training;
using Descent.Kernels;

namespace Descent.Engine.Models;

/// <summary>
/// The model families `descent train --arch` offers, each with its training defaults (the lesson's, PyTorch's MNIST
/// example's for the CNN, a CIFAR recipe for the ResNet), and the rules that tie a model's output width to the dataset and the loss.
/// </summary>
/// <param name="Nesterov">Whether SGD's momentum is Nesterov's by default.</param>
/// <param name="WeightDecay">The weight decay of the family's own optimizer; null for that optimizer's default.</param>
/// <param name="DecayScope">Which parameters the weight decay applies to by default.</param>
/// <param name="Augments">Whether training batches are augmented by default on every dataset (crop4, and flip where a mirrored item keeps its class), not only where the dataset asks for it.</param>
/// <param name="Depth">The ResNet's depth (6n + 2), as --depth sets it; 0 for a family without one.</param>
public sealed record Architecture(string Name, int BatchSize, float LearningRate, int Epochs, float Momentum, string Summary,
    OptimizerKind Optimizer = OptimizerKind.Sgd, ScheduleKind Schedule = ScheduleKind.Constant, int StepSize = 10, float Gamma = 0.1f,
    bool Nesterov = false, float? WeightDecay = null, DecayScope DecayScope = DecayScope.All, bool Augments = false, int Depth = 0)
{
    /// <summary>
    /// How a fresh run of <paramref name="model"/> turns pixels into inputs unless --normalize says otherwise (a resumed
    /// run keeps its checkpoint's): a convolutional net standardises by the training split's own per-channel mean and
    /// standard deviation (MNIST's come to PyTorch's example's 0.1307 and 0.3081); a model on rows takes the lesson's 0..1.
    /// </summary>
    public static InputNormalization DefaultNormalization(ModelSpec model) =>
        model.Graph.Nodes.Any(node => node.Spec is Layers.Conv2dLayerSpec) ? InputNormalization.StandardizeByData : InputNormalization.Unit;

    /// <summary>784 -> outputs, N(0, 1) init: the lesson's from-scratch model (batch 256, lr 1.0, 20 epochs).</summary>
    public static readonly Architecture Linear = new("linear", 256, 1.0f, 20, 0f, "784-1 (two classes) or 784-10, no hidden layer");

    /// <summary>The lesson's simple_net, 784 -> 30 -> outputs (batch 256, lr 0.1, 40 epochs).</summary>
    public static readonly Architecture Simple = new("simple", 256, 0.1f, 40, 0f, "784-30-K with --activation");

    /// <summary>Any widths from --layers; by default 784-128-K with SGD and momentum, which passes 0.97 on MNIST in a few epochs.</summary>
    public static readonly Architecture Mlp = new("mlp", 128, 0.05f, 5, 0.9f, "--layers, default 784-128-K");

    /// <summary>
    /// PyTorch's examples/mnist net and recipe: two 3x3 convolutions, max-pooling, dropout, two linear layers;
    /// inputs standardised, batch 64, Adadelta at lr 1.0 decayed by 0.7 every epoch, 3 epochs.
    /// </summary>
    public static readonly Architecture Cnn = new("cnn", 64, 1.0f, 3, 0f,
        "PyTorch's MNIST example: conv32k3-relu-conv64k3-relu-maxpool2-dropout0.25-flatten-128-relu-dropout0.5-K, or --layers",
        OptimizerKind.Adadelta, ScheduleKind.Step, StepSize: 1, Gamma: 0.7f);

    /// <summary>
    /// He et al.'s CIFAR ResNet (<see cref="ModelSpec.Resnet"/>), depth 20 unless --depth, with a CIFAR recipe: batch 128, SGD
    /// with Nesterov momentum 0.9, weight decay 5e-4 on the weights only (not biases nor batch-norm weights and biases), a
    /// one-cycle schedule peaking at 0.1, 15 epochs, random crops (and flips where a mirrored item keeps its class).
    /// </summary>
    public static readonly Architecture Resnet = new("resnet", 128, 0.1f, 15, 0.9f,
        "He et al.'s CIFAR ResNet of --depth layers, torchvision's module names",
        OptimizerKind.Sgd, ScheduleKind.OneCycle, Nesterov: true, WeightDecay: 5e-4f, DecayScope: DecayScope.Weights, Augments: true,
        Depth: DefaultResnetDepth);

    public const int DefaultResnetDepth = 20;

    public static IReadOnlyList<Architecture> All { get; } = [Linear, Simple, Mlp, Cnn, Resnet];

    /// <summary>Whether --depth applies: the family has a depth to set.</summary>
    public bool TakesDepth => Depth > 0;

    /// <summary>
    /// This family at <paramref name="depth"/>: bad usage for a family without a depth, or a depth its rule refuses.
    /// </summary>
    public Architecture WithDepth(int depth)
    {
        if (!TakesDepth)
        {
            throw new InvalidInputException($"--depth applies to --arch {Resnet.Name}, not to --arch {Name}");
        }
        return ModelSpec.ResnetDepthProblem(depth) is { } problem ? throw new InvalidInputException(problem) : this with { Depth = depth };
    }

    /// <summary>
    /// The augmentation of a run on <paramref name="dataset"/> that asks for none: the family's crops (and flips where a
    /// mirrored item keeps its class, never for digits), else the dataset's own default.
    /// </summary>
    public IReadOnlyList<string> DefaultAugment(DatasetName dataset) => Augments
        ? dataset.MirrorKeepsClass ? ["crop4", "flip"] : ["crop4"]
        : dataset.DefaultAugment;

    /// <summary>The weight decay of a run with <paramref name="optimizer"/> that gives none: the family's for its own optimizer, else the optimizer's default.</summary>
    public float DefaultWeightDecay(OptimizerKind optimizer) =>
        optimizer == Optimizer && WeightDecay is { } decay ? decay : OptimizerFactory.DefaultWeightDecay(optimizer);

    public const int DefaultHiddenWidth = 128;

    public static Architecture Parse(string name) =>
        All.FirstOrDefault(a => a.Name == name)
        ?? throw new InvalidInputException($"unknown architecture '{name}'; choose {string.Join(", ", All.Select(a => a.Name))}");

    /// <summary>Whether --layers may replace the family's model: the MLP's and the CNN's (whose recipe then trains the layers given).</summary>
    public bool TakesLayers => IsFamily(Mlp) || IsFamily(Cnn);

    /// <summary>
    /// Whether this is <paramref name="family"/>, by name: a family with other training defaults (`descent bench`'s
    /// recipes) builds the same models.
    /// </summary>
    public bool IsFamily(Architecture family) => Name == family.Name;

    /// <summary>The loss name that picks the loss from the output width.</summary>
    public const string AutoLossName = "auto";

    /// <summary>
    /// Resolves the model and the loss together. "auto" loss means mnist_loss for one output and
    /// cross-entropy for many; the default output width follows from the dataset and the loss, the
    /// input from the data (<paramref name="input"/>: 1x28x28 for MNIST's images, but any image size loads;
    /// null before the data is read, when the layers' own input stands unchecked). Rules: layers start at the
    /// data's input (its pixels for a model on rows, its shape for one on images); a two-class dataset ends
    /// in 1 output (mnist, bce, mse) or 2 (cross-entropy); a ten-class dataset ends in 10 with cross-entropy.
    /// </summary>
    /// <param name="activationGiven">Whether --activation was given: bad usage with layers that name their activations.</param>
    public (ModelSpec Model, LossFunction Loss) Resolve(DatasetName dataset, string? layers, Activation activation, bool activationGiven,
        string lossName, FeatureShape? input)
    {
        if (layers is not null && !TakesLayers)
        {
            throw new InvalidInputException($"--layers applies to --arch mlp or cnn, not to --arch {Name}");
        }
        var explicitModel = layers is null ? null : ModelSpec.Parse(layers, activation, activationGiven);
        var image = input ?? explicitModel?.InputShape ?? new FeatureShape(1, 28, 28);
        var loss = lossName == AutoLossName
            ? AutoLoss(explicitModel?.Outputs ?? (dataset.Classes == 2 ? 1 : dataset.Classes))
            : LossFunction.Parse(lossName);
        var outputs = explicitModel?.Outputs ?? (loss.SingleOutput ? 1 : dataset.Classes);
        var features = (int)image.Features;
        if (IsFamily(Cnn) && explicitModel is null && activationGiven)
        {
            throw new InvalidInputException("--arch cnn is PyTorch's example net with its ReLUs: --activation applies with --layers only");
        }
        if (IsFamily(Resnet) && activationGiven)
        {
            throw new InvalidInputException("--arch resnet is torchvision's ResNet with its ReLUs: --activation does not apply");
        }
        var model = explicitModel ?? Name switch
        {
            "linear" => ModelSpec.Linear(outputs, features),
            "simple" => ModelSpec.Simple(outputs, activation, features),
            "cnn" => ModelSpec.Cnn(image, outputs),
            "resnet" => ModelSpec.Resnet(image, outputs, Depth),
            _ => new ModelSpec([features, DefaultHiddenWidth, outputs], activation, Layers.LinearInit.PyTorchDefault),
        };
        if (input is { } data)
        {
            CheckInput(model, data);
        }
        CheckOutputs(dataset, model, loss);
        return (model, loss);
    }

    /// <summary>Whether <paramref name="model"/> starts at the data's input: its pixels for a model on rows, its shape for one on images.</summary>
    public static void CheckInput(ModelSpec model, FeatureShape data)
    {
        if (model.InputShape.IsFlat ? model.Inputs != data.Features : model.InputShape != data)
        {
            var expected = model.InputShape.IsFlat ? $"{data.Features}, the pixels of one image of the data" : $"{data}, the shape of one image of the data";
            throw new InvalidInputException($"layers must start at {expected}, got {model.WidthsText}");
        }
    }

    private static LossFunction AutoLoss(int outputs) => outputs == 1 ? LossFunction.Mnist : LossFunction.CrossEntropy;

    /// <summary>Whether the model's outputs fit the dataset's classes and the loss.</summary>
    public static void CheckOutputs(DatasetName dataset, ModelSpec model, LossFunction loss)
    {
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
