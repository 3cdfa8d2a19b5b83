using System.CommandLine;
using System.Globalization;
using Descent.Engine.Data;
using Descent.Engine.Files;
using Descent.Engine.Losses;
using Descent.Engine.Models;
using Descent.Engine.Optimizers;
using Descent.Engine.Training;
using Descent.Host.Plots;
using Descent.Kernels;
using Spectre.Console;

namespace Descent.Host.Commands;

/// <summary>
/// `descent lr-find`: chapter 5's learning-rate finder on the model `descent train` would build from the
/// same options. It sweeps the rate upward, one rate per batch, over at most one epoch, stops once the loss
/// is non-finite or four times its minimum, prints the curve in a few rows and the suggested rate, and
/// with --plot draws loss against rate on a log axis.
/// </summary>
public static class LrFindCommand
{
    /// <summary>Rows of the printed curve; the picture has every step.</summary>
    private const int PrintedRows = 12;

    public static Command Create(IAnsiConsole console, TextWriter error)
    {
        var run = new RunOptions(RunPurpose.RateSweep);
        var startRate = new Option<double>("--start-lr") { Description = "First rate of the sweep", DefaultValueFactory = _ => LearningRateFinder.DefaultStartRate };
        var endRate = new Option<double>("--end-lr") { Description = "Last rate of the sweep", DefaultValueFactory = _ => LearningRateFinder.DefaultEndRate };
        var steps = new Option<int>("--steps")
        {
            Description = "Rates tried, one batch each (at most one epoch's batches)",
            DefaultValueFactory = _ => LearningRateFinder.DefaultSteps,
        };
        var dataDir = DataDirOption.Create(DatasetName.All);
        var plot = new Option<string?>("--plot") { Description = "Draw loss against learning rate (log axis) into this PNG" };
        var plotOptions = new PlotOptions();
        var backend = new BackendOptions();
        var command = new Command("lr-find", "Sweep the learning rate upward over at most one epoch and suggest one (chapter 5's finder)")
        {
            startRate, endRate, steps, dataDir, plot, plotOptions.Size,
        };
        run.AddTo(command);
        backend.AddTo(command);
        command.SetAction(async (parsed, cancellation) =>
        {
            var size = plotOptions.ReadSize(parsed);
            var picture = parsed.GetValue(plot);
            if (picture is not null)
            {
                OutputPath.Check(picture, "--plot");
            }
            // The spec, its defaults and its checks are `descent train`'s, built by the same builder: the same model,
            // and the same input normalisation, swept over one epoch at a constant rate.
            var settings = run.Read(parsed) with { Epochs = 1, Schedule = ScheduleKind.Constant, StepSize = 1, Gamma = 1f, ValidSplit = null };
            var say = (string message) => error.WriteLine($"descent: {message}");
            var tree = PictureTrees.ScanIfTree(parsed.GetValue(dataDir), say);
            var builder = new TrainSpecBuilder(settings, saved: null, tree: tree);
            var spec = builder.Build();
            var progress = new Progress<string>(say);
            var splits = tree is not null
                ? DecodingBar.Show(console, quiet: false, decoding => PictureTrees.LoadForTraining(tree, settings, progress, cancellation, decoding))
                : await DatasetLoader.LoadAsync(builder.Dataset, DataLocation.FromOptions(builder.Dataset, parsed.GetValue(dataDir), progress), cancellation);
            spec = builder.ForData(spec, splits.Train);
            using var device = backend.CreateBackend(parsed, error);
            using var training = new TrainingRun(device, spec, splits.Train, splits.Valid);
            console.WriteLine($"backend {device.Name}: {device.DeviceDescription}");
            console.WriteLine($"{builder.Dataset.Name}: {splits.Train.Count} training images; model {spec.Model.WidthsText}, loss {spec.Loss}, " +
                $"{CliNames.Of(spec.Optimizer.Kind)}{(spec.Optimizer.Momentum > 0 ? $" momentum {Format(spec.Optimizer.Momentum)}" : "")}, " +
                $"batch {training.Learner.BatchSize}, seed {spec.Seed}, inputs {spec.Normalization}");
            var sweep = LearningRateFinder.Sweep(training.Learner, parsed.GetValue(startRate), parsed.GetValue(endRate), parsed.GetValue(steps), cancellation);
            console.WriteLine($"swept {Format(sweep.Rates[0])} to {Format(parsed.GetValue(endRate))} over {sweep.PlannedSteps} steps " +
                $"(at most one epoch: {training.Learner.BatchesPerEpoch} batches); {sweep.Rates.Count} steps taken: {sweep.EndingDescription}");
            console.WriteLine("        lr        loss    smoothed");
            var every = Math.Max(1, (sweep.Rates.Count + PrintedRows - 1) / PrintedRows);
            for (var i = 0; i < sweep.Rates.Count; i++)
            {
                if (i % every == 0 || i == sweep.Rates.Count - 1)
                {
                    console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"{Format(sweep.Rates[i]),10}  {sweep.Losses[i],10:F4}  {sweep.SmoothedLosses[i],10:F4}"));
                }
            }
            console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"lowest smoothed loss {sweep.MinimumLoss:F4} at lr {Format(sweep.MinimumRate)}; suggested learning rate: {Format(sweep.SuggestedRate)} " +
                $"(a tenth of the minimum's rate, as chapter 5 suggests)"));
            if (picture is not null)
            {
                AtomicFile.WriteAllBytes(picture, ChartRenderer.Png(
                    sweep.Chart($"Learning-rate finder: {spec.Model.WidthsText} on {builder.Dataset.Name}, batch {training.Learner.BatchSize}"), size));
                console.WriteLine($"wrote {picture}");
            }
            return ExitCodes.Success;
        });
        return command;
    }

    /// <summary>A rate as people write one: 0.0423 and 10 in full, 1e-7 and 5.34e-7 beyond.</summary>
    private static string Format(double value) =>
        value.ToString(value is >= 1e-3 and < 1e4 ? "G3" : "0.##e0", CultureInfo.InvariantCulture);
}
