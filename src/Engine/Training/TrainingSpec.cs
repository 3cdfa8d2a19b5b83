using System.Text.Json;
using System.Text.Json.Nodes;
using Descent.Engine.Data;
using Descent.Engine.Layers;
using Descent.Engine.Models;
using Descent.Engine.Optimizers;
using Descent.Kernels;

namespace Descent.Engine.Training;

/// <summary>
/// The optimizer of a run: its kind and its settings (momentum and Nesterov momentum are SGD's alone), and which parameters
/// its weight decay applies to.
/// </summary>
public sealed record OptimizerSettings(OptimizerKind Kind, float Momentum, float WeightDecay, bool Nesterov = false,
    DecayScope DecayScope = DecayScope.All);

/// <summary>The learning rate of a run: base rate, schedule and its settings, over <paramref name="Epochs"/> epochs.</summary>
public sealed record ScheduleSettings(ScheduleKind Kind, float LearningRate, int StepSize, float Gamma, int Epochs);

/// <summary>
/// Everything that decides what a training run computes: the data, the input's shape and normalisation,
/// augmentation, the model, the loss, the optimizer and schedule, the batch size and the seed. `descent train`,
/// `descent bench`, the tests and the benchmarks all build their runs from one (<see cref="TrainingRun"/>), and the
/// same spec, as JSON, goes wherever a run is recorded (metrics, checkpoints, model files). Its rules are checked
/// once, by <see cref="Validate"/>, before any data is read; what follows from the data (the input's shape, the
/// statistics of a standardisation) is filled in after by <see cref="ForData"/>.
/// </summary>
/// <param name="Dataset">The dataset's name as the command line spells it ("mnist", "mnist-3-7").</param>
/// <param name="InputShape">Channels, height and width of one input, e.g. [1, 28, 28].</param>
/// <param name="ValidSplit">The fraction of the training set held out (seeded) to validate on; null when the test set is only reported.</param>
/// <param name="Normalization">How pixels become inputs, per channel; null means <see cref="InputNormalization.Unit"/>, the lesson's 0..1.</param>
/// <param name="Augment">The augmentation of training batches as <see cref="Training.Augmentation"/>'s tokens ("crop4", "flip"); empty for none.</param>
/// <param name="ClassNames">What each output means, in label order, for data that names its own classes (a tree of class folders); null for a known dataset, whose names are its own.</param>
/// <param name="ValidFolder">Whether the data's own validation set (a tree's valid/ folder) is validated on, choosing as a held-out split does.</param>
/// <param name="LabelSmoothing">The loss's setting: cross-entropy's targets smoothed as PyTorch's label_smoothing, in [0, 1]; 0 for none.</param>
public sealed record TrainingSpec(
    string Dataset,
    IReadOnlyList<int> InputShape,
    ModelSpec Model,
    string Loss,
    OptimizerSettings Optimizer,
    ScheduleSettings Schedule,
    int BatchSize,
    int Seed,
    double? ValidSplit = null,
    InputNormalization? Normalization = null,
    IReadOnlyList<string>? Augment = null,
    IReadOnlyList<string>? ClassNames = null,
    bool ValidFolder = false,
    float LabelSmoothing = 0f)
{
    /// <summary>Whether evaluation is on a validation set (held out, or the data's own), which chooses the best epoch and stops early; else on a test set, only reported.</summary>
    public bool Validates => ValidSplit is not null || ValidFolder;

    /// <summary>The dataset the spec names: a known one, or a tree of pictures with its class names; null for a name Descent does not know.</summary>
    public Data.DatasetName? KnownDataset =>
        Dataset == Data.DatasetName.FolderName && ClassNames is not null
            ? Data.DatasetName.OfFolder(ClassNames)
            : Data.DatasetName.All.FirstOrDefault(dataset => dataset.Name == Dataset);

    /// <summary>How pixels become inputs, per channel.</summary>
    public InputNormalization Normalization { get; init; } = Normalization ?? InputNormalization.Unit;

    /// <summary>The augmentation of training batches as tokens, crop first; empty for none.</summary>
    public IReadOnlyList<string> Augment { get; init; } = Augment ?? [];

    /// <summary>What <see cref="Augment"/>'s tokens ask the batch gather for; a token outside the grammar is bad input.</summary>
    public ImageAugmentation Augmentation => Training.Augmentation.Read(Augment);

    /// <summary>
    /// Checks every rule that does not need the data, once, before any is read: a known loss, positive batch size
    /// and learning rate, epochs not negative, schedule and optimizer settings in range, a validation split in (0, 1),
    /// a normalisation with sound values for the input's channels, an augmentation the input and dataset can take, and a
    /// model whose outputs fit the dataset's classes and the loss. Returns the spec, for chaining; anything else is bad input.
    /// </summary>
    public TrainingSpec Validate()
    {
        if (BatchSize <= 0)
        {
            throw new InvalidInputException($"--batch-size must be 1 or more, got {BatchSize}");
        }
        if (!(Schedule.LearningRate > 0f) || !float.IsFinite(Schedule.LearningRate))
        {
            throw new InvalidInputException($"--lr must be a positive number, got {Schedule.LearningRate}");
        }
        if (Schedule.Epochs < 0)
        {
            throw new InvalidInputException($"--epochs must be 0 or more, got {Schedule.Epochs}");
        }
        if (!(Optimizer.Momentum >= 0f) || !float.IsFinite(Optimizer.Momentum))
        {
            throw new InvalidInputException($"--momentum must be 0 or more, got {Optimizer.Momentum}");
        }
        if (!(Optimizer.WeightDecay >= 0f) || !float.IsFinite(Optimizer.WeightDecay))
        {
            throw new InvalidInputException($"weight decay must be 0 or more, got {Optimizer.WeightDecay}");
        }
        if (Optimizer.Nesterov && (Optimizer.Kind != OptimizerKind.Sgd || !(Optimizer.Momentum > 0f)))
        {
            // PyTorch refuses it too: with no momentum Nesterov's look-ahead has nothing to look ahead with.
            throw new InvalidInputException(
                $"--nesterov needs --optimizer sgd with a --momentum above 0, got {CliNames.Of(Optimizer.Kind)} momentum {Optimizer.Momentum}");
        }
        if (ValidSplit is { } split && !(split > 0 && split < 1))
        {
            throw new InvalidInputException($"--valid-split must be a fraction between 0 and 1, got {split}");
        }
        Training.Augmentation.Check(Augmentation, InputShape, Dataset);
        Normalization.Validate(InputShape.Count > 0 ? InputShape[0] : null);
        // The schedule's own rules (step size, gamma, a cosine's epochs); the run builds the schedule itself, once.
        LearningRateSchedule.Check(Schedule.Kind, Schedule.LearningRate, Schedule.StepSize, Schedule.Gamma, Schedule.Epochs);
        var loss = Losses.LossFunction.Parse(Loss).WithLabelSmoothing(LabelSmoothing);
        if (ClassNames is not null && (ClassNames.Count < 2 || ClassNames.Distinct(StringComparer.Ordinal).Count() != ClassNames.Count))
        {
            throw new InvalidInputException($"class names [{string.Join(", ", ClassNames)}] must be two or more, all different");
        }
        if (KnownDataset is { } dataset)
        {
            Architecture.CheckOutputs(dataset, Model, loss);
        }
        return this;
    }

    /// <summary>
    /// The spec for the training split <paramref name="train"/>: its input shape (channels, height, width), checked
    /// against the model's, and, for a standardisation still to be measured, the split's own per-channel statistics.
    /// Computed once here and recorded in the spec, so a resumed run or a saved model keeps them.
    /// </summary>
    public TrainingSpec ForData(ImageDataset train)
    {
        // An image's features are its channels' planes, one after another.
        var input = train.Shape;
        Architecture.CheckInput(Model, input);
        var normalization = Normalization.NeedsStatistics ? InputNormalization.Measure(train, train.Channels) : Normalization;
        normalization.Validate(train.Channels);
        int[] inputShape = [input.Channels, input.Height, input.Width];
        // The crop was checked against the assumed shape before the data was read; the data's own shape decides.
        Training.Augmentation.Check(Augmentation, inputShape, Dataset);
        return this with { InputShape = inputShape, Normalization = normalization };
    }

    /// <summary>Features of one input: the product of <see cref="InputShape"/>.</summary>
    public int InputFeatures => InputShape.Aggregate(1, (product, size) => product * size);

    /// <summary>The spec as a JSON object, with enum values spelled as the command line spells them.</summary>
    public JsonObject ToJson() => new JsonObject()
    {
        ["dataset"] = Dataset,
        ["input_shape"] = new JsonArray(InputShape.Select(size => (JsonNode)size).ToArray()),
        ["model"] = Model.ToJson(),
        ["loss"] = Loss,
        ["optimizer"] = new JsonObject
        {
            ["kind"] = CliNames.Of(Optimizer.Kind),
            ["momentum"] = AsWritten(Optimizer.Momentum),
            ["weight_decay"] = AsWritten(Optimizer.WeightDecay),
        }.WithNesterov(Optimizer.Nesterov).WithDecayScope(Optimizer.DecayScope),
        ["schedule"] = new JsonObject
        {
            ["kind"] = CliNames.Of(Schedule.Kind),
            ["learning_rate"] = AsWritten(Schedule.LearningRate),
            ["step_size"] = Schedule.StepSize,
            ["gamma"] = AsWritten(Schedule.Gamma),
            ["epochs"] = Schedule.Epochs,
        },
        ["batch_size"] = BatchSize,
        ["seed"] = Seed,
        ["valid_split"] = ValidSplit,
        ["normalization"] = Normalization.ToJson(),
        ["augment"] = new JsonArray(Augment.Select(name => (JsonNode)name).ToArray()),
    }.WithFolderFields(ClassNames, ValidFolder).WithLabelSmoothing(LabelSmoothing);

    /// <summary>
    /// Reads what <see cref="ToJson"/> wrote; anything missing or malformed is bad input. A spec written before the
    /// normalisation was part of it has none: it reads as unit, and the reader of its file puts in what the file recorded.
    /// </summary>
    public static TrainingSpec FromJson(JsonNode json)
    {
        try
        {
            var optimizer = json["optimizer"]!;
            var schedule = json["schedule"]!;
            return new TrainingSpec(
                json["dataset"]!.GetValue<string>(),
                json["input_shape"]!.AsArray().Select(size => size!.GetValue<int>()).ToArray(),
                ModelSpec.FromJson(json["model"]!),
                json["loss"]!.GetValue<string>(),
                new OptimizerSettings(CliNames.Parse<OptimizerKind>(optimizer["kind"]!.GetValue<string>(), "optimizer"),
                    (float)optimizer["momentum"]!.GetValue<double>(), (float)optimizer["weight_decay"]!.GetValue<double>(),
                    optimizer["nesterov"]?.GetValue<bool>() ?? false,
                    optimizer["decay_scope"] is { } scope ? CliNames.Parse<DecayScope>(scope.GetValue<string>(), "decay scope") : DecayScope.All),
                new ScheduleSettings(CliNames.Parse<ScheduleKind>(schedule["kind"]!.GetValue<string>(), "schedule"),
                    (float)schedule["learning_rate"]!.GetValue<double>(), schedule["step_size"]!.GetValue<int>(),
                    (float)schedule["gamma"]!.GetValue<double>(), schedule["epochs"]!.GetValue<int>()),
                json["batch_size"]!.GetValue<int>(),
                json["seed"]!.GetValue<int>(),
                json["valid_split"]?.GetValue<double>(),
                json["normalization"] is { } normalization ? InputNormalization.FromJson(normalization) : null,
                json["augment"]?.AsArray().Select(name => name!.GetValue<string>()).ToArray(),
                json["class_names"]?.AsArray().Select(name => name!.GetValue<string>()).ToArray(),
                json["valid_folder"]?.GetValue<bool>() ?? false,
                (float)(json["label_smoothing"]?.GetValue<double>() ?? 0));
        }
        catch (Exception error) when (error is NullReferenceException or InvalidOperationException or FormatException or JsonException)
        {
            throw new InvalidInputException($"a training spec is missing a field or has one of the wrong type: {error.Message}", error);
        }
    }

    /// <summary>The float as a person wrote it (0.05, not 0.05000000074505806).</summary>
    private static double AsWritten(float value) =>
        double.Parse(value.ToString("R", System.Globalization.CultureInfo.InvariantCulture), System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>Settings written only when set (Nesterov momentum, a decay scope, label smoothing), so that specs without them read and compare as before.</summary>
internal static class OptionalFields
{
    public static JsonObject WithLabelSmoothing(this JsonObject json, float labelSmoothing)
    {
        if (labelSmoothing != 0f)
        {
            json["label_smoothing"] = double.Parse(labelSmoothing.ToString("R", System.Globalization.CultureInfo.InvariantCulture),
                System.Globalization.CultureInfo.InvariantCulture);
        }
        return json;
    }

    public static JsonObject WithDecayScope(this JsonObject optimizer, DecayScope scope)
    {
        if (scope != DecayScope.All)
        {
            optimizer["decay_scope"] = CliNames.Of(scope);
        }
        return optimizer;
    }

    public static JsonObject WithNesterov(this JsonObject optimizer, bool nesterov)
    {
        if (nesterov)
        {
            optimizer["nesterov"] = true;
        }
        return optimizer;
    }
}

/// <summary>The spec's fields for data that names its own classes, written only where there are some, so that other specs read as before.</summary>
internal static class FolderFields
{
    public static JsonObject WithFolderFields(this JsonObject json, IReadOnlyList<string>? classNames, bool validFolder)
    {
        if (classNames is not null)
        {
            json["class_names"] = new JsonArray(classNames.Select(name => (JsonNode)name).ToArray());
        }
        if (validFolder)
        {
            json["valid_folder"] = true;
        }
        return json;
    }
}
