using System.Text.Json.Nodes;
using Descent.Engine.Data;
using Descent.Engine.Models;
using Descent.Engine.Optimizers;
using Descent.Engine.Training;
using Descent.Kernels;

namespace Descent.Host.Commands;

/// <summary>
/// Turns the options that decide a run (`descent train`'s, `descent lr-find`'s, `descent bench`'s) into the run's <see cref="TrainingSpec"/>.
/// A fresh run fills what was not given from the architecture's defaults; a resumed run fills it from the checkpoint's
/// spec, and an option that contradicts the checkpoint (another model, dataset, loss, optimizer, normalisation, ...)
/// is bad usage naming the difference. Only --epochs may move, to train further, except under a schedule planned over
/// the epochs (cosine). <see cref="Build"/> makes the spec once, before any data is read, and the engine validates it
/// there; <see cref="ForData"/> fills in what the data decides.
/// </summary>
/// <param name="earlyStopping">Whether --early-stop asks for a validation split when none is given.</param>
/// <param name="tree">The tree of class folders of pictures --data-dir names, if it names one: the dataset is then the tree.</param>
public sealed class TrainSpecBuilder(
    RunSettings settings, TrainingSpec? saved, string? resumePath = null, bool earlyStopping = false, PictureTree? tree = null)
{
    /// <summary>The dataset: the --data-dir tree of pictures, else as given, else the checkpoint's, else the option's default.</summary>
    public DatasetName Dataset { get; } = DatasetFor(settings, saved, tree);

    /// <summary>The fraction a tree with no valid/ or test/ folder holds out when no --valid-split is given, as fastai's from_folder does.</summary>
    public const double DefaultTreeSplit = 0.2;

    private static DatasetName DatasetFor(RunSettings settings, TrainingSpec? saved, PictureTree? tree)
    {
        if (tree is null)
        {
            if (saved is not null && !settings.WasGiven("--dataset") && saved.Dataset == DatasetName.FolderName)
            {
                throw new InvalidInputException("the checkpoint was trained on a tree of class folders of pictures: give --data-dir that folder");
            }
            return DatasetName.Parse(saved is not null && !settings.WasGiven("--dataset") ? saved.Dataset : settings.Dataset);
        }
        if (settings.WasGiven("--dataset"))
        {
            throw new InvalidInputException(
                $"--data-dir {tree.Root} is a tree of class folders of pictures, its own dataset: --dataset {settings.Dataset} names another");
        }
        return DatasetName.OfFolder(tree.ClassNames);
    }

    /// <summary>The architecture the options name (its defaults apply to a fresh run only).</summary>
    public Architecture Architecture { get; } = settings.Arch;

    /// <summary>The validation split: as given, else the checkpoint's, else 10% when early stopping needs one.</summary>
    public double? ValidSplit =>
        settings.ValidSplit ?? (saved is not null ? saved.ValidSplit
            : tree is not null && tree.Has(PictureSplit.Valid) ? null
            : earlyStopping ? DefaultEarlyStopSplit
            : tree is not null && !tree.Has(PictureSplit.Test) ? DefaultTreeSplit : null);

    /// <summary>The seed: as given, else the checkpoint's, else the option's default.</summary>
    public int Seed => Pick("--seed", settings.Seed, s => s.Seed);

    /// <summary>What --early-stop holds out when no --valid-split is given.</summary>
    public const double DefaultEarlyStopSplit = 0.1;

    /// <summary>MNIST's image, which a model left to the architecture is built for until the data says otherwise.</summary>
    private static readonly FeatureShape AssumedInput = new(1, 28, 28);

    /// <summary>
    /// The run's spec, validated by the engine, before any data is read: the input's shape is the checkpoint's, the
    /// layers', or MNIST's until <see cref="ForData"/> reads it from the data, and a standardisation by the data's
    /// statistics waits for them there.
    /// </summary>
    public TrainingSpec Build()
    {
        var activation = Given("--activation") || saved is null ? settings.Activation : saved.Model.Activation;
        var lossName = Given("--loss") || saved is null ? settings.Loss : saved.Loss;
        ModelSpec model;
        string loss;
        if (saved is null || Given("--arch") || Given("--depth") || Given("--layers"))
        {
            var resolved = Architecture.Resolve(Dataset, settings.Layers, activation, Given("--activation"), lossName, input: null);
            (model, loss) = (resolved.Model, resolved.Loss.Name);
        }
        else
        {
            model = Given("--activation") ? saved.Model.WithActivation(activation) : saved.Model;
            loss = lossName == Architecture.AutoLossName ? saved.Loss : Engine.Losses.LossFunction.Parse(lossName).Name;
        }

        var optimizerKind = Pick("--optimizer", settings.Optimizer ?? Architecture.Optimizer, s => s.Optimizer.Kind);
        var batchSize = Pick("--batch-size", settings.BatchSize ?? Architecture.BatchSize, s => s.BatchSize);
        var learningRate = Pick("--lr", settings.LearningRate ?? Architecture.LearningRate, s => s.Schedule.LearningRate);
        var epochs = Pick("--epochs", settings.Epochs ?? Architecture.Epochs, s => s.Schedule.Epochs);
        var momentum = Pick("--momentum",
            settings.Momentum ?? (optimizerKind == OptimizerKind.Sgd ? Architecture.Momentum : 0f), s => s.Optimizer.Momentum);
        var weightDecay = Pick("--weight-decay", settings.WeightDecay ?? Architecture.DefaultWeightDecay(optimizerKind),
            s => s.Optimizer.WeightDecay);
        var decayScope = Pick("--decay-scope", settings.DecayScope ?? Architecture.DecayScope, s => s.Optimizer.DecayScope);
        // The family's Nesterov momentum where SGD keeps momentum; --nesterov, given either way, decides.
        var nesterov = Pick("--nesterov", Given("--nesterov") ? settings.Nesterov : Architecture.Nesterov && optimizerKind == OptimizerKind.Sgd && momentum > 0f,
            s => s.Optimizer.Nesterov);
        var schedule = new ScheduleSettings(
            Pick("--schedule", settings.Schedule ?? Architecture.Schedule, s => s.Schedule.Kind), learningRate,
            Pick("--step-size", settings.StepSize ?? Architecture.StepSize, s => s.Schedule.StepSize),
            Pick("--gamma", settings.Gamma ?? Architecture.Gamma, s => s.Schedule.Gamma),
            // A run of 0 epochs only evaluates; its schedule is planned over one. Negative epochs are the spec's to refuse.
            epochs == 0 ? 1 : epochs);
        var normalization = settings.Normalize is { } text ? InputNormalization.Parse(text) : null;
        if (saved is not null && normalization is { NeedsStatistics: true } && saved.Normalization.Kind == NormalizationKind.Standardize)
        {
            // "standardize" on a resumed run means the statistics the checkpoint measured.
            normalization = saved.Normalization;
        }
        var inputShape = saved?.InputShape.ToArray()
            ?? (model.InputShape.IsFlat ? [AssumedInput.Channels, AssumedInput.Height, AssumedInput.Width]
                : [model.InputShape.Channels, model.InputShape.Height, model.InputShape.Width]);
        // The dataset's default where --augment is not given; a resumed run keeps its checkpoint's.
        var augment = Pick("--augment", settings.Augment is { } list ? ParseAugment(list) : Architecture.DefaultAugment(Dataset), s => s.Augment);
        var spec = new TrainingSpec(Dataset.Name, inputShape, model, loss,
            new OptimizerSettings(optimizerKind, momentum, weightDecay, nesterov, decayScope), schedule, batchSize, Seed, ValidSplit,
            Pick("--normalize", normalization ?? Architecture.DefaultNormalization(model), s => s.Normalization), augment,
            ClassNames: Dataset.IsFolder ? Dataset.ClassNames : null,
            ValidFolder: tree is not null && tree.Has(PictureSplit.Valid) && settings.ValidSplit is null,
            LabelSmoothing: Pick("--label-smoothing", settings.LabelSmoothing ?? 0f, s => s.LabelSmoothing));
        // A difference from the checkpoint names the option at fault, before the rules that it may break too.
        if (saved is not null)
        {
            CheckAgreesWithCheckpoint(spec, saved);
        }
        return spec.Validate();
    }

    /// <summary>
    /// <paramref name="spec"/> for the training split <paramref name="train"/>: a model left to the architecture is
    /// built for the data's image size, and the engine fills in the input's shape and any statistics to measure.
    /// </summary>
    public TrainingSpec ForData(TrainingSpec spec, ImageDataset train)
    {
        var input = train.Shape;
        if (ModelFromArchitecture && input != AssumedInput)
        {
            var activation = Given("--activation") ? settings.Activation : spec.Model.Activation;
            spec = spec with { Model = Architecture.Resolve(Dataset, null, activation, Given("--activation"), spec.Loss, input).Model };
        }
        return spec.ForData(train);
    }

    /// <summary>Whether the model is the architecture's default, whose input follows the data, rather than --layers' or a checkpoint's.</summary>
    private bool ModelFromArchitecture => settings.Layers is null && (saved is null || Given("--arch") || Given("--depth"));

    /// <summary>The number of epochs the run trains to: the option, else the checkpoint's plan, else the architecture's default.</summary>
    public int Epochs => settings.Epochs ?? (saved is not null ? saved.Schedule.Epochs : Architecture.Epochs);

    private bool Given(string option) => settings.WasGiven(option);

    /// <summary>--augment's list as the spec's tokens; a malformed list is bad usage naming the option.</summary>
    private static IReadOnlyList<string> ParseAugment(string list)
    {
        try
        {
            return Augmentation.ParseList(list);
        }
        catch (InvalidInputException error)
        {
            throw new InvalidInputException($"--{error.Message}", error);
        }
    }

    /// <summary>The option's value when given (or when there is no checkpoint), else the checkpoint's.</summary>
    private T Pick<T>(string option, T fromOptions, Func<TrainingSpec, T> fromCheckpoint) =>
        saved is null || Given(option) ? fromOptions : fromCheckpoint(saved);

    private void CheckAgreesWithCheckpoint(TrainingSpec spec, TrainingSpec checkpoint)
    {
        if (spec.Model != checkpoint.Model)
        {
            throw new InvalidInputException(
                $"--resume {resumePath}: the checkpoint's model is {checkpoint.Model.LayersText}, but the options ask for {spec.Model.LayersText}");
        }
        var asked = spec.ToJson();
        var had = checkpoint.ToJson();
        if (!LearningRateSchedule.IsPlannedOverEpochs(checkpoint.Schedule.Kind))
        {
            // Only cosine and one-cycle schedules are planned over the epochs; the others may train on further.
            asked["schedule"]!["epochs"] = had["schedule"]!["epochs"]!.DeepClone();
        }
        var difference = FirstDifference(had, asked, "");
        if (difference is not null)
        {
            throw new InvalidInputException(
                $"--resume {resumePath}: the checkpoint's {difference.Value.Path} is {difference.Value.Had}, but the options ask for {difference.Value.Asked}");
        }
    }

    private static (string Path, string Had, string Asked)? FirstDifference(JsonNode? had, JsonNode? asked, string path)
    {
        if (had is JsonObject hadObject && asked is JsonObject askedObject)
        {
            foreach (var (key, value) in hadObject)
            {
                if (FirstDifference(value, askedObject[key], path.Length == 0 ? key : $"{path}.{key}") is { } found)
                {
                    return found;
                }
            }
            return null;
        }
        var hadText = had?.ToJsonString() ?? "none";
        var askedText = asked?.ToJsonString() ?? "none";
        return hadText == askedText ? null : (path, hadText.Replace("\"", ""), askedText.Replace("\"", ""));
    }
}
