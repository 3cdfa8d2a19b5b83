using System.CommandLine;
using Descent.Engine.Data;
using Descent.Engine.Losses;
using Descent.Engine.Models;
using Descent.Engine.Optimizers;
using Descent.Kernels;

namespace Descent.Host.Commands;

/// <summary>What `descent train` was asked for; null means "the architecture's default".</summary>
public sealed record TrainSettings(
    string Dataset, string Arch, string? Layers, Activation Activation, string Loss,
    int? Epochs, int? BatchSize, float? LearningRate, OptimizerKind? Optimizer, float? Momentum, float? WeightDecay,
    ScheduleKind? Schedule, int? StepSize, float? Gamma, int Seed, double? ValidSplit,
    string Backend, int Device, string? DataDir, string? MetricsOut, bool Quiet, string? Save, string? Init,
    string? Checkpoint, int Keep, string? Resume, int? EarlyStop, IReadOnlySet<string> Given)
{
    /// <summary>Whether the option <paramref name="name"/> (like "--lr") was on the command line, not left to its default.</summary>
    public bool WasGiven(string name) => Given.Contains(name);

    /// <summary>Checks the values that are only known once the architecture's defaults are filled in.</summary>
    public static void Check(int batchSize, float learningRate, int epochs)
    {
        if (batchSize <= 0)
        {
            throw new InvalidInputException($"--batch-size must be 1 or more, got {batchSize}");
        }
        if (!(learningRate > 0f) || !float.IsFinite(learningRate))
        {
            throw new InvalidInputException($"--lr must be a positive number, got {learningRate}");
        }
        if (epochs < 0)
        {
            throw new InvalidInputException($"--epochs must be 0 or more, got {epochs}");
        }
    }
}

/// <summary>The options of `descent train`, the shared contract of every backend.</summary>
public sealed class TrainOptions
{
    private static readonly string ArchDefaults = string.Join("; ",
        Architecture.All.Select(a => $"{a.Name}: batch {a.BatchSize}, lr {a.LearningRate}, {a.Epochs} epochs" +
            (a.Momentum > 0 ? $", momentum {a.Momentum}" : "") +
            (a.Optimizer != OptimizerKind.Sgd ? $", {CliNames.Of(a.Optimizer)}" : "") +
            (a.Schedule == ScheduleKind.Step ? $", step schedule every {a.StepSize} epoch(s) by {a.Gamma}" : "")));

    private readonly Option<string> dataset = Choice("--dataset", "Dataset", DatasetName.Mnist.Name, DatasetName.All.Select(d => d.Name).ToArray());
    private readonly Option<string> arch = Choice("--arch",
        "Model: linear (784-K), simple (784-30-K), mlp (--layers), cnn (PyTorch's MNIST example net, or the conv net of --layers)", "mlp",
        Architecture.All.Select(a => a.Name).ToArray());
    private readonly Option<string?> layers = new("--layers")
    {
        Description = $"Layers for --arch mlp or cnn, like 784-256-128-10 or " +
            "1x28x28-conv32k3-relu-conv64k3-relu-maxpool2-dropout0.25-flatten-128-relu-dropout0.5-10: " +
            $"{ModelSpec.LayersGrammar} [default: N-{Architecture.DefaultHiddenWidth}-K for mlp]",
    };
    private readonly Option<string> activation = Choice("--activation", "Nonlinearity between linear layers (not with --layers that name their activations)",
        CliNames.Of(Activation.Relu), CliNames.All<Activation>());
    private readonly Option<string> loss = Choice("--loss", "Loss; auto = mnist for one output, cross-entropy for many",
        Architecture.AutoLossName, [Architecture.AutoLossName, .. LossFunction.All.Select(l => l.Name)]);
    private readonly Option<int?> epochs = new("--epochs") { Description = $"Epochs to train [default per arch: {ArchDefaults}]" };
    private readonly Option<int?> batchSize = new("--batch-size") { Description = "Items per step, 1 (pure SGD) up to the whole set [default per arch]" };
    private readonly Option<float?> learningRate = new("--lr") { Description = "Learning rate [default per arch]" };
    private readonly Option<string> optimizer = Choice("--optimizer", "Optimizer [default per arch: adadelta for cnn, else sgd]", null, CliNames.All<OptimizerKind>());
    private readonly Option<float?> momentum = new("--momentum") { Description = "SGD momentum [default: 0.9 for mlp, else 0]" };
    private readonly Option<float?> weightDecay = new("--weight-decay") { Description = "Weight decay [default: 0 for sgd and adadelta, 0.01 for adamw]" };
    private readonly Option<string> schedule = Choice("--schedule", "Learning-rate schedule [default per arch: step for cnn, else constant]", null,
        CliNames.All<ScheduleKind>());
    private readonly Option<int?> stepSize = new("--step-size") { Description = "Epochs between decays for --schedule step [default per arch: 1 for cnn, else 10]" };
    private readonly Option<float?> gamma = new("--gamma") { Description = "Decay factor for --schedule step [default per arch: 0.7 for cnn, else 0.1]" };
    private readonly Option<int> seed = new("--seed") { Description = "Seed for initialisation and shuffling", DefaultValueFactory = _ => 42 };
    private readonly Option<double?> validSplit = new("--valid-split")
    {
        Description = "Hold out this fraction of the training set for validation instead of using the test set",
    };
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
        Option[] all = [dataset, arch, layers, activation, loss, epochs, batchSize, learningRate, optimizer, momentum,
            weightDecay, schedule, stepSize, gamma, seed, validSplit];
        foreach (var option in all)
        {
            command.Options.Add(option);
        }
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
        parsed.GetRequiredValue(dataset),
        parsed.GetRequiredValue(arch),
        parsed.GetValue(layers),
        CliNames.Parse<Activation>(parsed.GetRequiredValue(activation), "activation"),
        parsed.GetRequiredValue(loss),
        parsed.GetValue(epochs),
        parsed.GetValue(batchSize),
        parsed.GetValue(learningRate),
        parsed.GetValue(optimizer) is { } optimizerName ? CliNames.Parse<OptimizerKind>(optimizerName, "optimizer") : null,
        parsed.GetValue(momentum),
        parsed.GetValue(weightDecay),
        parsed.GetValue(schedule) is { } scheduleName ? CliNames.Parse<ScheduleKind>(scheduleName, "schedule") : null,
        parsed.GetValue(stepSize),
        parsed.GetValue(gamma),
        parsed.GetValue(seed),
        parsed.GetValue(validSplit),
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
        parsed.GetValue(earlyStop),
        parsed.CommandResult.Children.OfType<System.CommandLine.Parsing.OptionResult>()
            .Where(result => !result.Implicit).Select(result => result.Option.Name).ToHashSet());

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
