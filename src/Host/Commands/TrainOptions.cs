using System.CommandLine;
using System.Globalization;
using Descent.Engine.Data;
using Descent.Engine.Losses;
using Descent.Engine.Models;
using Descent.Engine.Optimizers;
using Descent.Kernels;

namespace Descent.Host.Commands;

/// <summary>
/// What decides a run, as the options asked for it; null means "the architecture's default" (or, on --resume,
/// the checkpoint's). <see cref="TrainSpecBuilder"/> turns it into the engine's <see cref="Engine.Training.TrainingSpec"/>.
/// </summary>
/// <param name="Arch">The architecture --arch names, with the training defaults of the command that read it.</param>
public sealed record RunSettings(
    string Dataset, Architecture Arch, string? Layers, Activation Activation, string Loss,
    int? Epochs, int? BatchSize, float? LearningRate, OptimizerKind? Optimizer, float? Momentum, float? WeightDecay,
    ScheduleKind? Schedule, int? StepSize, float? Gamma, int Seed, double? ValidSplit, string? Normalize, string? Augment,
    IReadOnlySet<string> Given, int? Channels = null, string? ImageSize = null, bool Nesterov = false, float? LabelSmoothing = null,
    DecayScope? DecayScope = null)
{
    /// <summary>
    /// How a tree of pictures becomes images: --channels and --image-size as given, else the checkpoint's input shape
    /// (<paramref name="saved"/>), else grey or colour as the pictures are, at their own size.
    /// </summary>
    public PictureFolderOptions PictureOptions(Engine.Training.TrainingSpec? saved) => new PictureFolderOptions(
        Channels ?? (saved?.InputShape is [var channels, _, _] ? channels : null),
        ImageSize is { } size ? PictureFolderOptions.ParseSize(size) : saved?.InputShape is [_, var height, var width] ? (width, height) : null).Validate();

    /// <summary>Whether the option <paramref name="name"/> (like "--lr") was on the command line, not left to its default.</summary>
    public bool WasGiven(string name) => Given.Contains(name);
}

/// <summary>What `descent train` was asked for: the run, and where it trains, what it writes and when it stops.</summary>
public sealed record TrainSettings(
    RunSettings Run, string Backend, int Device, string? DataDir, string? MetricsOut, bool Quiet, string? Save, string? Init,
    string? Checkpoint, int Keep, string? Resume, int? EarlyStop);

/// <summary>What a command does with the run its options decide, which settles the options of <see cref="RunOptions"/> it takes.</summary>
public enum RunPurpose
{
    /// <summary>`descent train`: every option.</summary>
    Training,

    /// <summary>`descent lr-find`: not what the sweep decides itself (--lr, --epochs, --schedule, --step-size, --gamma, --valid-split).</summary>
    RateSweep,

    /// <summary>`descent bench`: not --epochs (it declares the epochs it times) nor --valid-split (it never evaluates).</summary>
    Benchmark,
}

/// <summary>
/// The options that decide a run (dataset, model, loss, optimizer and its settings, schedule, batch, seed,
/// validation split, input normalisation, augmentation), declared once: `descent train`, `descent lr-find` and `descent bench` take
/// them, and `descent eval` and `descent predict` declare --dataset and --batch-size from the same definitions. The
/// help's defaults are read from the architectures the command offers, so they cannot drift from what a run uses.
/// </summary>
public sealed class RunOptions
{
    // Each default with the kinds that have it, as their classes declare them: "0 for sgd and adadelta, 0.01 for adamw".
    private static readonly string WeightDecayDefaults = string.Join(", ",
        Enum.GetValues<OptimizerKind>().GroupBy(OptimizerFactory.DefaultWeightDecay).Select(group =>
            $"{group.Key.ToString(CultureInfo.InvariantCulture)} for {string.Join(" and ", group.Select(kind => CliNames.Of(kind)))}"));

    private readonly IReadOnlyList<Architecture> architectures;
    private readonly RunPurpose purpose;
    private readonly Option<string> dataset = Dataset("Dataset", DatasetName.Mnist.Name);
    private readonly Option<string> labels = TrainOptions.Choice("--labels",
        "cifar-100's labels: fine (100 classes) or coarse (20 superclasses, recorded as dataset cifar-100-coarse) [default: fine]",
        null, [.. DatasetName.LabelKinds]);
    private readonly Option<int?> channels = new("--channels")
    {
        Description = "For a --data-dir tree of pictures: 1 (grey; colour by 299/587/114 weights) or 3 (colour) [default: 1 when every picture is grey, else 3]",
    };
    private readonly Option<string?> imageSize = new("--image-size")
    {
        Description = "For a --data-dir tree of pictures: resize every picture to WxH pixels (stretched, Mitchell cubic filter) [default: their own size, which must agree]",
    };
    private readonly Option<string> arch;
    private readonly Option<string?> layers = new("--layers")
    {
        Description = $"Layers for --arch mlp or cnn, like 784-256-128-10 or " +
            "1x28x28-conv32k3-relu-conv64k3-relu-maxpool2-dropout0.25-flatten-128-relu-dropout0.5-10: " +
            $"{ModelSpec.LayersGrammar} [default: N-{Architecture.DefaultHiddenWidth}-K for mlp]",
    };
    private readonly Option<string> activation = TrainOptions.Choice("--activation", "Nonlinearity between linear layers (not with --layers that name their activations)",
        CliNames.Of(Activation.Relu), CliNames.All<Activation>());
    private readonly Option<string> loss = TrainOptions.Choice("--loss", "Loss; auto = mnist for one output, cross-entropy for many",
        Architecture.AutoLossName, [Architecture.AutoLossName, .. LossFunction.All.Select(l => l.Name)]);
    private readonly Option<float?> labelSmoothing = new("--label-smoothing")
    {
        Description = "Cross-entropy against targets (1 - X) one-hot + X / classes, as PyTorch's label_smoothing, X in [0, 1]; " +
            "the loss reported is the smoothed one [default: 0]",
    };
    private readonly Option<int?> epochs;
    private readonly Option<int?> batchSize;
    private readonly Option<float?> learningRate;
    private readonly Option<string> optimizer;
    private readonly Option<float?> momentum;
    private readonly Option<bool> nesterov = new("--nesterov");
    private readonly Option<float?> weightDecay;
    private readonly Option<string> decayScope;
    private readonly Option<int?> depth = new("--depth")
    {
        Description = $"Layers of --arch resnet: {ModelSpec.ResnetDepthRule} [default: {Architecture.DefaultResnetDepth}]",
    };
    private readonly Option<string> schedule;
    private readonly Option<int?> stepSize;
    private readonly Option<float?> gamma;
    private readonly Option<int> seed = new("--seed") { Description = "Seed for initialisation and shuffling", DefaultValueFactory = _ => 42 };
    private readonly Option<double?> validSplit = new("--valid-split")
    {
        Description = "Hold out this fraction of the training set for validation instead of using the test set",
    };
    private readonly Option<string?> normalize;
    private readonly Option<string?> augment;

    /// <param name="architectures">The architectures --arch offers, with the command's training defaults for each.</param>
    public RunOptions(RunPurpose purpose, IReadOnlyList<Architecture>? architectures = null)
    {
        this.purpose = purpose;
        this.architectures = architectures ?? Architecture.All;
        arch = TrainOptions.Choice("--arch",
            "Model, and the defaults it trains with: " + string.Join("; ", this.architectures.Select(Defaults)),
            Architecture.Mlp.Name, this.architectures.Select(a => a.Name).ToArray());
        epochs = new("--epochs") { Description = $"Epochs to train {PerArch(a => a.Epochs)}" };
        batchSize = BatchSize($"Items per step, 1 (pure SGD) up to the whole set {PerArch(a => a.BatchSize)}");
        learningRate = new("--lr") { Description = $"Learning rate {PerArch(a => a.LearningRate)}" };
        optimizer = TrainOptions.Choice("--optimizer", $"Optimizer {PerArch(a => CliNames.Of(a.Optimizer))}", null, CliNames.All<OptimizerKind>());
        momentum = new("--momentum") { Description = $"SGD momentum {PerArch(a => a.Optimizer == OptimizerKind.Sgd ? a.Momentum : 0f)}" };
        schedule = TrainOptions.Choice("--schedule", $"Learning-rate schedule {PerArch(a => CliNames.Of(a.Schedule))}", null,
            CliNames.All<ScheduleKind>());
        nesterov.Description = $"SGD with Nesterov momentum, as PyTorch's nesterov=True (needs a --momentum above 0); --nesterov false turns " +
            $"off a default {PerArch(a => a.Nesterov ? "on" : "off")}";
        weightDecay = new("--weight-decay")
        {
            Description = $"Weight decay [default: {WeightDecayDefaults}" +
                string.Concat(this.architectures.Where(a => a.WeightDecay is not null).Select(a =>
                    string.Create(CultureInfo.InvariantCulture, $"; {a.WeightDecay} for {a.Name} with {CliNames.Of(a.Optimizer)}"))) + "]",
        };
        decayScope = TrainOptions.Choice("--decay-scope",
            "Parameters the weight decay applies to: all, or weights (convolution kernels and linear matrices, not biases nor " +
            $"batch-norm weights and biases) {PerArch(a => CliNames.Of(a.DecayScope))}", null, CliNames.All<DecayScope>());
        stepSize = new("--step-size") { Description = $"Epochs between decays for --schedule step {PerArch(a => a.StepSize)}" };
        gamma = new("--gamma") { Description = $"Decay factor for --schedule step {PerArch(a => a.Gamma)}" };
        normalize = new("--normalize")
        {
            Description = $"Input normalisation: {Engine.Training.InputNormalization.Grammar} " +
                "[default: standardize for models with convolutions (--arch cnn), else unit" +
                (purpose == RunPurpose.Training ? "; a resumed run keeps its checkpoint's]" : "]"),
        };
        augment = new("--augment")
        {
            Description = $"Training-batch augmentation, drawn per item and epoch on the device, never in evaluation: {Engine.Training.Augmentation.Grammar}; " +
                "e.g. crop4,flip or crop4reflect,flip; flip is refused for digits [default: " + DefaultAugments(this.architectures) +
                (purpose == RunPurpose.Training ? "; a resumed run keeps its checkpoint's]" : "]"),
        };
    }

    /// <summary>"none" when no dataset has a default augmentation, else each dataset's: the help's default, read from the datasets.</summary>
    private static string DefaultAugments(IReadOnlyList<Architecture> architectures)
    {
        var augmented = DatasetName.All.Where(d => d.DefaultAugment.Count > 0).ToList();
        var byDataset = augmented.Count == 0
            ? Engine.Training.Augmentation.None
            : string.Join("; ", augmented.Select(d => $"{string.Join(',', d.DefaultAugment)} for {d.Name}")) + "; else none";
        var augmentingArchs = architectures.Where(a => a.Augments).Select(a => a.Name).ToList();
        return augmentingArchs.Count == 0
            ? byDataset
            : $"{byDataset}; with --arch {string.Join(" or ", augmentingArchs)} crop4, and flip where a mirrored item keeps its class";
    }

    /// <summary>--dataset as every command that reads one declares it; a null <paramref name="defaultDataset"/> leaves the default to the command.</summary>
    public static Option<string> Dataset(string description, string? defaultDataset) =>
        TrainOptions.Choice("--dataset", description, defaultDataset, DatasetName.All.Select(d => d.Name).ToArray());

    /// <summary>--batch-size as every command that steps through a dataset declares it; null leaves it to the command's default.</summary>
    public static Option<int?> BatchSize(string description) => new("--batch-size") { Description = description };

    /// <summary>Adds the options of the group that <see cref="purpose"/> takes to <paramref name="command"/>.</summary>
    public void AddTo(Command command)
    {
        Option[] all = purpose switch
        {
            RunPurpose.RateSweep => [dataset, labels, arch, depth, layers, activation, loss, labelSmoothing, batchSize, optimizer, momentum, nesterov,
                weightDecay, decayScope, seed, normalize, augment],
            RunPurpose.Benchmark => [dataset, labels, arch, depth, layers, activation, loss, labelSmoothing, batchSize, learningRate, optimizer,
                momentum, nesterov, weightDecay, decayScope, schedule, stepSize, gamma, seed, normalize, augment],
            _ => [dataset, labels, arch, depth, layers, activation, loss, labelSmoothing, epochs, batchSize, learningRate, optimizer, momentum,
                nesterov, weightDecay, decayScope, schedule, stepSize, gamma, seed, validSplit, normalize, augment],
        };
        all = [.. all, channels, imageSize];
        foreach (var option in all)
        {
            command.Options.Add(option);
        }
    }

    /// <summary>The options as given; those a command did not add read as not given.</summary>
    public RunSettings Read(ParseResult parsed)
    {
        var given = parsed.CommandResult.Children.OfType<System.CommandLine.Parsing.OptionResult>()
            .Where(result => !result.Implicit).Select(result => result.Option.Name).ToHashSet();
        T? Optional<T>(Option<T> option) => parsed.CommandResult.Command.Options.Contains(option) ? parsed.GetValue(option) : default;
        var archName = parsed.GetRequiredValue(arch);
        var architecture = architectures.First(a => a.Name == archName);
        return new RunSettings(
            DatasetName.WithLabels(parsed.GetRequiredValue(dataset), parsed.GetValue(labels)).Name,
            parsed.GetValue(depth) is { } layerCount ? architecture.WithDepth(layerCount) : architecture,
            parsed.GetValue(layers),
            CliNames.Parse<Activation>(parsed.GetRequiredValue(activation), "activation"),
            parsed.GetRequiredValue(loss),
            Optional(epochs),
            parsed.GetValue(batchSize),
            Optional(learningRate),
            parsed.GetValue(optimizer) is { } optimizerName ? CliNames.Parse<OptimizerKind>(optimizerName, "optimizer") : null,
            parsed.GetValue(momentum),
            parsed.GetValue(weightDecay),
            Optional(schedule) is { } scheduleName ? CliNames.Parse<ScheduleKind>(scheduleName, "schedule") : null,
            Optional(stepSize),
            Optional(gamma),
            parsed.GetValue(seed),
            Optional(validSplit),
            parsed.GetValue(normalize),
            parsed.GetValue(augment),
            given,
            parsed.GetValue(channels),
            parsed.GetValue(imageSize),
            parsed.GetValue(nesterov),
            parsed.GetValue(labelSmoothing),
            parsed.GetValue(decayScope) is { } scope ? CliNames.Parse<DecayScope>(scope, "decay scope") : null);
    }

    /// <summary>"mlp: --layers, default 784-128-K; batch 128, sgd lr 0.05 momentum 0.9": what --arch's help says of one architecture.</summary>
    private static string Defaults(Architecture a) =>
        string.Create(CultureInfo.InvariantCulture, $"{a.Name}: {a.Summary}; batch {a.BatchSize}, {CliNames.Of(a.Optimizer)} lr {a.LearningRate}") +
        (a.Optimizer == OptimizerKind.Sgd && a.Momentum > 0
            ? string.Create(CultureInfo.InvariantCulture, $" {(a.Nesterov ? "Nesterov " : "")}momentum {a.Momentum}") : "") +
        (a.WeightDecay is { } decay ? string.Create(CultureInfo.InvariantCulture, $" weight decay {decay} on {CliNames.Of(a.DecayScope)}") : "") +
        (a.Schedule == ScheduleKind.Step ? string.Create(CultureInfo.InvariantCulture, $", decayed by {a.Gamma} every {a.StepSize} epoch(s)") : "") +
        (a.Schedule is ScheduleKind.Cosine or ScheduleKind.OneCycle ? $", {CliNames.Of(a.Schedule)} schedule" : "") +
        (a.Augments ? ", crop4 (and flip where mirrors keep their class)" : "") +
        string.Create(CultureInfo.InvariantCulture, $", {a.Epochs} epochs");

    /// <summary>
    /// "[default: X]" when every architecture offered agrees, else "[default per arch: Y for cnn; else X]" with X the value
    /// most of them share: the help of an option whose default the architecture decides.
    /// </summary>
    private string PerArch<T>(Func<Architecture, T> value)
    {
        static string Text(T item) => Convert.ToString(item, CultureInfo.InvariantCulture) ?? "";
        var groups = architectures.GroupBy(value).OrderByDescending(group => group.Count()).ToList();
        if (groups.Count == 1)
        {
            return $"[default: {Text(groups[0].Key)}]";
        }
        // Where no value is shared, each architecture names its own.
        var common = groups[0].Count() > 1 ? groups[0] : null;
        var named = groups.Where(group => group != common).Select(group => $"{Text(group.Key)} for {string.Join(", ", group.Select(a => a.Name))}");
        return $"[default per arch: {string.Join("; ", named)}{(common is null ? "" : $"; else {Text(common.Key)}")}]";
    }
}

/// <summary>The options of `descent train`: the run's (<see cref="RunOptions"/>), then where it trains, what it writes and when it stops.</summary>
public sealed class TrainOptions
{
    private readonly RunOptions run = new(RunPurpose.Training);
    private readonly BackendOptions backend = new();
    private readonly Option<string?> dataDir = DataDirOption.Create(DatasetName.All);
    private readonly Option<string?> metricsOut = new("--metrics-out") { Description = "Write per-epoch metrics as JSON to this file after every epoch" };
    private readonly Option<bool> quiet = new("--quiet") { Description = "Print only the final row" };
    private readonly Option<string?> save = new("--save")
    {
        Description = "Write the trained weights to this .safetensors file (PyTorch nn.Sequential names; the spec in its metadata)",
    };
    private readonly Option<string?> init = new("--init") { Description = "Start from the weights in this .safetensors file instead of a random init" };
    private readonly Option<string?> checkpoint = new("--checkpoint")
    {
        Description = "After each epoch N write DIR/checkpoint-N (weights, optimizer state, progress) and point DIR/latest at it; " +
            "DIR/best keeps the lowest validation loss (needs --valid-split) [default with --resume: the resumed folder]",
    };
    private readonly Option<int> keep = new("--keep")
    {
        Description = "Keep only the newest K checkpoints (best/ is always kept); 0 keeps all",
        DefaultValueFactory = _ => 0,
    };
    private readonly Option<string?> resume = new("--resume")
    {
        Description = "Continue the run in this checkpoint folder from its latest checkpoint; options not given come from it",
    };
    private readonly Option<int?> earlyStop = new("--early-stop")
    {
        Description = "Stop after N epochs without a lower validation loss (holds out 10% of the training set unless --valid-split)",
    };

    public void AddTo(Command command)
    {
        run.AddTo(command);
        backend.AddTo(command);
        command.Options.Add(dataDir);
        command.Options.Add(metricsOut);
        command.Options.Add(quiet);
        command.Options.Add(save);
        command.Options.Add(init);
        command.Options.Add(checkpoint);
        command.Options.Add(keep);
        command.Options.Add(resume);
        command.Options.Add(earlyStop);
    }

    public TrainSettings Read(ParseResult parsed) => new(
        run.Read(parsed),
        parsed.GetRequiredValue(backend.Backend),
        parsed.GetValue(backend.Device),
        parsed.GetValue(dataDir),
        parsed.GetValue(metricsOut),
        parsed.GetValue(quiet),
        parsed.GetValue(save),
        parsed.GetValue(init),
        parsed.GetValue(checkpoint),
        parsed.GetValue(keep),
        parsed.GetValue(resume),
        parsed.GetValue(earlyStop));

    /// <summary>An option of fixed choices; without <paramref name="defaultValue"/> its default is the architecture's, which its description gives.</summary>
    internal static Option<string> Choice(string name, string description, string? defaultValue, params string[] choices)
    {
        var option = new Option<string>(name) { Description = description };
        if (defaultValue is not null)
        {
            option.DefaultValueFactory = _ => defaultValue;
        }
        option.AcceptOnlyFromAmong(choices);
        return option;
    }
}
