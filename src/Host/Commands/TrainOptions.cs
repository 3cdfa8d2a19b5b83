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
public sealed record RunSettings(
    string Dataset, string Arch, string? Layers, Activation Activation, string Loss,
    int? Epochs, int? BatchSize, float? LearningRate, OptimizerKind? Optimizer, float? Momentum, float? WeightDecay,
    ScheduleKind? Schedule, int? StepSize, float? Gamma, int Seed, double? ValidSplit, string? Normalize, IReadOnlySet<string> Given)
{
    /// <summary>Whether the option <paramref name="name"/> (like "--lr") was on the command line, not left to its default.</summary>
    public bool WasGiven(string name) => Given.Contains(name);
}

/// <summary>What `descent train` was asked for: the run, and where it trains, what it writes and when it stops.</summary>
public sealed record TrainSettings(
    RunSettings Run, string Backend, int Device, string? DataDir, string? MetricsOut, bool Quiet, string? Save, string? Init,
    string? Checkpoint, int Keep, string? Resume, int? EarlyStop);

/// <summary>
/// The options that decide a run (dataset, model, loss, optimizer and its settings, schedule, batch, seed,
/// validation split, input normalisation), declared once: `descent train` and `descent lr-find` both take them.
/// </summary>
public sealed class RunOptions
{
    private static readonly string ArchDefaults = string.Join("; ",
        Architecture.All.Select(a => $"{a.Name}: batch {a.BatchSize}, lr {a.LearningRate}, {a.Epochs} epochs" +
            (a.Momentum > 0 ? $", momentum {a.Momentum}" : "") +
            (a.Optimizer != OptimizerKind.Sgd ? $", {CliNames.Of(a.Optimizer)}" : "") +
            (a.Schedule == ScheduleKind.Step ? $", step schedule every {a.StepSize} epoch(s) by {a.Gamma}" : "")));

    // Each default with the kinds that have it, as their classes declare them: "0 for sgd and adadelta, 0.01 for adamw".
    private static readonly string WeightDecayDefaults = string.Join(", ",
        Enum.GetValues<OptimizerKind>().GroupBy(OptimizerFactory.DefaultWeightDecay).Select(group =>
            $"{group.Key.ToString(CultureInfo.InvariantCulture)} for {string.Join(" and ", group.Select(kind => CliNames.Of(kind)))}"));

    private readonly Option<string> dataset = TrainOptions.Choice("--dataset", "Dataset", DatasetName.Mnist.Name, DatasetName.All.Select(d => d.Name).ToArray());
    private readonly Option<string> arch = TrainOptions.Choice("--arch",
        "Model: linear (784-K), simple (784-30-K), mlp (--layers), cnn (PyTorch's MNIST example net, or the conv net of --layers)", "mlp",
        Architecture.All.Select(a => a.Name).ToArray());
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
    private readonly Option<int?> epochs = new("--epochs") { Description = $"Epochs to train [default per arch: {ArchDefaults}]" };
    private readonly Option<int?> batchSize = new("--batch-size") { Description = "Items per step, 1 (pure SGD) up to the whole set [default per arch]" };
    private readonly Option<float?> learningRate = new("--lr") { Description = "Learning rate [default per arch]" };
    private readonly Option<string> optimizer = TrainOptions.Choice("--optimizer", "Optimizer [default per arch: adadelta for cnn, else sgd]", null, CliNames.All<OptimizerKind>());
    private readonly Option<float?> momentum = new("--momentum") { Description = "SGD momentum [default: 0.9 for mlp, else 0]" };
    private readonly Option<float?> weightDecay = new("--weight-decay") { Description = $"Weight decay [default: {WeightDecayDefaults}]" };
    private readonly Option<string> schedule = TrainOptions.Choice("--schedule", "Learning-rate schedule [default per arch: step for cnn, else constant]", null,
        CliNames.All<ScheduleKind>());
    private readonly Option<int?> stepSize = new("--step-size") { Description = "Epochs between decays for --schedule step [default per arch: 1 for cnn, else 10]" };
    private readonly Option<float?> gamma = new("--gamma") { Description = "Decay factor for --schedule step [default per arch: 0.7 for cnn, else 0.1]" };
    private readonly Option<int> seed = new("--seed") { Description = "Seed for initialisation and shuffling", DefaultValueFactory = _ => 42 };
    private readonly Option<double?> validSplit = new("--valid-split")
    {
        Description = "Hold out this fraction of the training set for validation instead of using the test set",
    };
    private readonly Option<string?> normalize = new("--normalize")
    {
        Description = $"Input normalisation: {Engine.Training.InputNormalization.Grammar} " +
            "[default: standardize for models with convolutions (--arch cnn), else unit; a resumed run keeps its checkpoint's]",
    };

    /// <summary>
    /// Adds the group to <paramref name="command"/>; <paramref name="sweepsTheRate"/> leaves out what a learning-rate
    /// sweep decides itself (--lr, --epochs, --schedule, --step-size, --gamma, --valid-split).
    /// </summary>
    public void AddTo(Command command, bool sweepsTheRate = false)
    {
        Option[] all = sweepsTheRate
            ? [dataset, arch, layers, activation, loss, batchSize, optimizer, momentum, weightDecay, seed, normalize]
            : [dataset, arch, layers, activation, loss, epochs, batchSize, learningRate, optimizer, momentum,
                weightDecay, schedule, stepSize, gamma, seed, validSplit, normalize];
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
        return new RunSettings(
            parsed.GetRequiredValue(dataset),
            parsed.GetRequiredValue(arch),
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
            given);
    }
}

/// <summary>The options of `descent train`: the run's (<see cref="RunOptions"/>), then where it trains, what it writes and when it stops.</summary>
public sealed class TrainOptions
{
    private readonly RunOptions run = new();
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
