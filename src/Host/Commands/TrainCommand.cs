using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Descent.Engine.Data;
using Descent.Engine.Files;
using Descent.Engine.Models;
using Descent.Engine.Optimizers;
using Descent.Engine.Training;
using Descent.Kernels;
using Spectre.Console;

namespace Descent.Host.Commands;

/// <summary>
/// `descent train`: resolves the options into a model, a loss, an optimizer and data, then runs the
/// epoch loop, printing one row per epoch and writing --metrics-out after each. The training itself
/// is the engine's <see cref="Learner"/>.
/// </summary>
public static class TrainCommand
{
    public static Command Create(IAnsiConsole console, TextWriter error)
    {
        var options = new TrainOptions();
        var command = new Command("train", "Train a model of the lesson on MNIST or its 3-vs-7 subset");
        options.AddTo(command);
        command.SetAction((parsed, cancellation) => RunAsync(options.Read(parsed), console, error, cancellation));
        return command;
    }

    public static async Task<int> RunAsync(TrainSettings settings, IAnsiConsole console, TextWriter error, CancellationToken cancellation)
    {
        var dataset = DatasetName.Parse(settings.Dataset);
        var architecture = Architecture.Parse(settings.Arch);
        // Every rule but the input width is checked before any data is read; the input width follows the data.
        var (modelSpec, loss) = architecture.Resolve(dataset, settings.Layers, settings.Activation, settings.Loss,
            settings.Layers is { } layers ? ModelSpec.ParseWidths(layers)[0] : ModelSpec.ImageFeatures);
        var batchSize = settings.BatchSize ?? architecture.BatchSize;
        var learningRate = settings.LearningRate ?? architecture.LearningRate;
        var epochs = settings.Epochs ?? architecture.Epochs;
        var momentum = settings.Momentum ?? (settings.Optimizer == OptimizerKind.Sgd ? architecture.Momentum : 0f);
        var weightDecay = settings.WeightDecay ?? OptimizerFactory.DefaultWeightDecay(settings.Optimizer);
        TrainSettings.Check(batchSize, learningRate, epochs);
        var schedule = LearningRateSchedule.Create(settings.Schedule, learningRate, settings.StepSize, settings.Gamma, epochs);

        OutputPath.Check(settings.Save, "--save");
        OutputPath.Check(settings.MetricsOut, "--metrics-out");
        // A missing or broken --init file is refused before any data is read or device opened.
        var initTensors = settings.Init is { } initPath ? SafeTensors.Read(initPath).Tensors : null;
        var progress = settings.Quiet ? null : new Progress<string>(message => error.WriteLine($"descent: {message}"));
        var splits = await DatasetLoader.LoadAsync(dataset, DataLocation.FromOptions(settings.DataDir, progress), cancellation);
        if (settings.ValidSplit is { } fraction)
        {
            splits = ValidationSplit.HoldOut(splits.Train, fraction, settings.Seed);
        }
        (modelSpec, loss) = architecture.Resolve(dataset, settings.Layers, settings.Activation, settings.Loss, splits.Train.Features);

        var spec = new TrainingSpec(dataset.Name, [1, splits.Train.ImageRows, splits.Train.ImageCols], modelSpec, loss.Name,
            new OptimizerSettings(settings.Optimizer, momentum, weightDecay),
            new ScheduleSettings(settings.Schedule, learningRate, settings.StepSize, settings.Gamma, Math.Max(epochs, 1)),
            batchSize, settings.Seed);
        using var backend = Backends.Create(settings.Backend, settings.Device, message => error.WriteLine($"descent: {message}"));
        if (!settings.Quiet)
        {
            console.WriteLine($"backend {backend.Name}: {backend.DeviceDescription}");
            var activation = modelSpec.Widths.Count > 2 ? $" ({CliNames.Of(settings.Activation)})" : "";
            var optimizerName = CliNames.Of(settings.Optimizer);
            var optimizerText = settings.Optimizer == OptimizerKind.Sgd && momentum > 0 ? $"{optimizerName} momentum {Format(momentum)}" : optimizerName;
            var evaluated = settings.ValidSplit is null ? "test" : "validation (held out from training)";
            console.WriteLine($"{dataset.Name}: {splits.Train.Count} training, {splits.Valid.Count} {evaluated} images; " +
                $"model {modelSpec.WidthsText}{activation}, loss {loss.Name}, {optimizerText} lr {Format(learningRate)}, " +
                $"{schedule.Name} schedule, batch {batchSize}, {epochs} epochs, seed {settings.Seed}");
        }

        using var run = new TrainingRun(backend, spec, splits.Train, splits.Valid);
        var learner = run.Learner;
        if (initTensors is not null)
        {
            ModelWeights.Import(backend, run.Model, initTensors, settings.Init!);
        }

        var metricsFile = settings.MetricsOut is null ? null : new MetricsFile(settings.MetricsOut,
            new MetricsFile.Run(DescentApp.Version, backend.Name, backend.DeviceDescription, architecture.Name), spec);
        metricsFile?.Write();

        var table = new EpochTable(console, settings.Quiet, onTestSet: settings.ValidSplit is null);
        table.WriteHeader();
        EpochRow? last = null;
        for (var epoch = 1; epoch <= epochs; epoch++)
        {
            var clock = Stopwatch.StartNew();
            var trained = table.ShowProgress(epoch, epochs, learner.BatchesPerEpoch, learner.BatchSize, cancellation,
                report => learner.TrainEpoch(report));
            var evaluated = learner.Evaluate();
            last = new EpochRow(epoch, trained.MeanLoss, evaluated.MeanLoss, evaluated.Accuracy, clock.Elapsed.TotalSeconds);
            table.WriteRow(last);
            metricsFile?.Append(new MetricsFile.EpochRow(last.Epoch, last.TrainLoss, last.ValidLoss, last.Accuracy, last.Seconds));
        }

        if (epochs == 0)
        {
            var evaluated = learner.Evaluate();
            last = new EpochRow(0, double.NaN, evaluated.MeanLoss, evaluated.Accuracy, 0);
            table.WriteRow(last);
        }
        table.WriteFinal(last!);
        if (settings.Save is { } path)
        {
            ModelWeights.Save(path, backend, run.Model, spec, learner.Scaling, DescentApp.Version);
            if (!settings.Quiet)
            {
                console.WriteLine($"saved the weights to {path}");
            }
        }
        return ExitCodes.Success;
    }

    private static string Format(float value) => value.ToString("G", CultureInfo.InvariantCulture);
}
