using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Descent.Engine.Checkpoints;
using Descent.Engine.Data;
using Descent.Engine.Distributed;
using Descent.Engine.Files;
using Descent.Engine.Models;
using Descent.Engine.Optimizers;
using Descent.Engine.Training;
using Descent.Host.Plots;
using Descent.Kernels;
using Spectre.Console;

namespace Descent.Host.Commands;

/// <summary>
/// `descent train`: resolves the options (or a checkpoint's spec, on --resume) into a training spec, then
/// runs the epoch loop, printing one row per epoch, writing --metrics-out and a checkpoint after each,
/// keeping the best by validation loss and stopping early when asked. The training itself is the
/// engine's <see cref="TrainingRun"/>; an interrupt stops it after the current batch.
/// </summary>
public static class TrainCommand
{
    public static Command Create(IAnsiConsole console, TextWriter error)
    {
        var options = new TrainOptions();
        var command = new Command("train", $"Train a model of the lesson on {string.Join(", ", DatasetName.All.Select(d => d.Name))}");
        options.AddTo(command);
        var plot = new TrainingPlotOptions();
        plot.AddTo(command);
        command.SetAction((parsed, cancellation) => RunAsync(options.Read(parsed), console, error, cancellation, plot.Read(parsed)));
        return command;
    }

    /// <summary>How long a rank launched under MPI but without its library waits before exiting (see RunAsync).</summary>
    private static readonly TimeSpan LaunchedAloneLinger = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Trains alone, or as one rank of the processes an MPI launcher started (<see cref="TrainSettings.Distributed"/>):
    /// then rank 0 alone prints and writes, and a failure on one rank ends every rank at once (MPI_Abort) after this rank
    /// says why in one line, unless every rank refused the run together, which they then leave as one process would.
    /// </summary>
    public static async Task<int> RunAsync(TrainSettings settings, IAnsiConsole console, TextWriter error, CancellationToken cancellation,
        TrainingPlot? plot = null)
    {
        ProcessGroup group;
        try
        {
            group = ProcessGroup.Open(settings.Distributed, Environment.GetEnvironmentVariable);
        }
        catch (DescentException failure) when (MpiLaunch.Detect(Environment.GetEnvironmentVariable) is { Size: > 1 })
        {
            // Without MPI the ranks cannot wait for each other: each says why, then lingers a moment, so that the launcher,
            // which ends the job when the first rank exits, does not end the others before they have said it too.
            var (line, exitCode) = DescentApp.Describe(failure);
            error.WriteLine($"descent: {line}");
            error.Flush();
            await Task.Delay(LaunchedAloneLinger, CancellationToken.None);
            return exitCode;
        }
        try
        {
            return group.IsWriter
                ? await TrainAsync(settings, console, error, cancellation, plot, group)
                : await TrainAsync(settings with { Quiet = true, MetricsOut = null, Save = null, Checkpoint = null }, SilentConsole(),
                    TextWriter.Null, cancellation, plot: null, group);
        }
        catch (Exception failure) when (group.Size > 1)
        {
            var (line, exitCode) = failure is OperationCanceledException
                ? ("interrupted", ExitCodes.Interrupted)
                : DescentApp.Describe(failure);
            if (group.RefusedTogether)
            {
                // Said before MPI_Finalize (in finally), which no rank leaves before all reach it: a rank that exited
                // first would have the launcher kill the others before they said why.
                error.WriteLine($"descent: {line}");
                error.Flush();
                return exitCode;
            }
            error.WriteLine($"descent: rank {group.Rank} of {group.Size}: {line}");
            error.Flush();
            group.Abort(exitCode);
            throw;
        }
        finally
        {
            group.Dispose();
        }
    }

    private static async Task<int> TrainAsync(TrainSettings settings, IAnsiConsole console, TextWriter error, CancellationToken cancellation,
        TrainingPlot? plot, ProcessGroup group)
    {
        var say = (string message) => error.WriteLine($"descent: {message}");
        // A resumed run holds its folder before reading it, so that no other run changes it in between; rank 0 alone writes in it.
        using var resumedFolder = settings.Resume is { } heldPath && settings.Checkpoint is null && group.IsWriter
            ? CheckpointFolder.Open(CheckpointFolder.RootOf(heldPath))
            : null;
        // Everything that can be refused without data is refused before any is read or a device opened.
        var resumed = settings.Resume is { } resumePath ? CheckpointBroadcast.Load(group, resumePath, say) : null;
        if (resumed is not null && settings.Init is not null)
        {
            throw new InvalidInputException("--init and --resume both say where the weights come from: give one");
        }
        if (settings.Keep < 0)
        {
            throw new InvalidInputException($"--keep must be 0 (keep all) or more, got {settings.Keep}");
        }
        if (settings.EarlyStop is <= 0)
        {
            throw new InvalidInputException($"--early-stop must be 1 or more epochs, got {settings.EarlyStop}");
        }
        var tree = PictureTrees.ScanIfTree(settings.DataDir, settings.Quiet ? null : say);
        var builder = new TrainSpecBuilder(settings.Run, resumed?.State.Spec, settings.Resume, settings.EarlyStop is not null, tree);
        var spec = builder.Build();
        group.RequireAgreement("options", Fingerprint(spec, settings));
        group.RequireRowsForEveryRank(spec.BatchSize);
        OutputPath.Check(settings.Save, "--save");
        OutputPath.Check(settings.MetricsOut, "--metrics-out");
        if (plot is not null)
        {
            OutputPath.Check(plot.Path, "--plot");
        }
        var checkpointRoot = settings.Checkpoint ?? (resumed is null || !group.IsWriter ? null : RootOf(resumed.Folder));
        OutputPath.RefuseCollisions([(settings.Save, "--save"), (settings.MetricsOut, "--metrics-out"), (plot?.Path, "--plot")],
            checkpointRoot is null ? null : (checkpointRoot, settings.Checkpoint is null ? "--resume" : "--checkpoint"), CheckpointFolder.Owns);
        var initTensors = settings.Init is { } initPath ? SafeTensors.Read(initPath).Tensors : null;
        if (initTensors is not null)
        {
            ModelWeights.RefuseNonFinite(initTensors, settings.Init!);
        }
        using var openedFolder = checkpointRoot is null || resumedFolder is not null ? null : CheckpointFolder.Open(checkpointRoot);
        var checkpoints = resumedFolder ?? openedFolder;

        var progress = settings.Quiet ? null : new Progress<string>(say);
        var dataset = builder.Dataset;
        DatasetSplits splits;
        // A tree's test folder beside what chooses (its valid folder or a held-out split) is reported each epoch, never chosen on.
        ImageDataset? reportedTest = null;
        if (tree is not null)
        {
            var pictures = DecodingBar.Show(console, settings.Quiet, decoding => PictureFolderLoader.Load(tree,
                settings.Run.PictureOptions(resumed?.State.Spec), DataLocation.DefaultCacheRoot(), progress, cancellation, decoding));
            splits = pictures.ForTraining(builder.ValidSplit, builder.Seed);
            if (pictures.Test is { } test && !ReferenceEquals(test, splits.Valid))
            {
                reportedTest = test;
            }
        }
        else
        {
            splits = await DatasetLoader.LoadAsync(dataset, DataLocation.FromOptions(dataset, settings.DataDir, progress), cancellation);
            if (builder.ValidSplit is { } fraction)
            {
                splits = ValidationSplit.HoldOut(splits.Train, fraction, builder.Seed);
            }
        }
        spec = builder.ForData(spec, splits.Train);
        group.RequireAgreement("data (sizes and input normalisation)", Fingerprint(spec, settings));
        var epochs = builder.Epochs;
        var validating = spec.Validates;
        if (!settings.Quiet)
        {
            if (settings.EarlyStop is not null && settings.Run.ValidSplit is null && resumed is null)
            {
                say($"--early-stop measures on a validation split: holding out {TrainSpecBuilder.DefaultEarlyStopSplit * 100:0}% of the training set " +
                    "(seeded); --valid-split F chooses another fraction");
            }
            if (checkpoints is not null && !validating)
            {
                say("--checkpoint without a validation split writes no best/ (the test set is never used to choose); add --valid-split F for one");
            }
        }

        using var backend = Backends.Create(settings.Backend, settings.Device ?? Backends.DefaultDevice(settings.Backend, group.LocalRank), say);
        // The spec carries the input normalisation: a resumed run's is its checkpoint's.
        using var run = new TrainingRun(backend, spec, splits.Train, splits.Valid, reportedTest, group);
        var learner = run.Learner;
        if (initTensors is not null)
        {
            ModelWeights.Import(backend, run.Model, initTensors, settings.Init!);
        }
        if (resumed is not null)
        {
            run.Restore(resumed);
        }
        if (!settings.Quiet)
        {
            console.WriteLine($"backend {backend.Name}: {backend.DeviceDescription}");
            if (group.Size > 1)
            {
                console.WriteLine($"distributed: {group.Description}; each rank trains on its share of every batch of {spec.BatchSize}");
            }
            console.WriteLine(Describe(spec, dataset, splits, reportedTest, epochs, run.Schedule.Name));
            if (resumed is not null)
            {
                console.WriteLine($"resuming from {resumed.Folder} after epoch {resumed.State.Epoch}");
            }
        }

        var history = resumed?.State.History ?? [];
        var metricsFile = settings.MetricsOut is null ? null : new MetricsFile(settings.MetricsOut,
            new MetricsFile.Run(DescentApp.Version, backend.Name, backend.DeviceDescription, settings.Run.Arch.Name), spec, history);
        metricsFile?.Write();
        var tracker = new BestTracker(resumed?.State);
        var table = new EpochTable(console, settings.Quiet, onTestSet: !validating, reportsTestSet: learner.HasTestSet);
        table.WriteHeader();
        var ending = RunEnding.Failed;
        var trainingTime = TimeSpan.Zero;
        try
        {
            var last = history.Count > 0 ? history[^1] : null;
            for (var epoch = learner.EpochsDone + 1; epoch <= epochs; epoch++)
            {
                var clock = Stopwatch.StartNew();
                var trained = table.ShowProgress(epoch, epochs, learner.BatchesPerEpoch, learner.BatchSize, cancellation,
                    report => learner.TrainEpoch(report));
                trainingTime += clock.Elapsed;
                var evaluated = learner.Evaluate();
                EpochMetrics? tested = learner.HasTestSet ? learner.EvaluateTest() : null;
                last = new EpochRecord(epoch, trained.MeanLoss, evaluated.MeanLoss, evaluated.Accuracy, clock.Elapsed.TotalSeconds,
                    tested?.MeanLoss, tested?.Accuracy);
                table.WriteRow(last);
                metricsFile?.Append(last);
                history = [.. history, last];
                plot?.Draw($"descent train: {spec.Model.WidthsText} on {dataset.Name}", history, validating ? "valid" : "test");
                var improved = validating && tracker.Record(epoch, evaluated.MeanLoss);
                if (checkpoints is not null)
                {
                    var state = new CheckpointState(epoch, (long)epoch * learner.BatchesPerEpoch, learner.CurrentLearningRate, spec,
                        tracker.BestLoss, tracker.BestEpoch, tracker.EpochsWithoutImprovement, DescentApp.Version, history);
                    checkpoints.Write(run, state);
                    if (improved)
                    {
                        checkpoints.MarkBest(epoch);
                    }
                    if (settings.Keep > 0)
                    {
                        checkpoints.KeepNewest(settings.Keep, epoch);
                    }
                }
                if (settings.EarlyStop is { } patience && tracker.EpochsWithoutImprovement >= patience)
                {
                    say($"stopping early: no lower validation loss for {patience} epochs (best {tracker.BestLoss:F6} at epoch {tracker.BestEpoch})");
                    ending = RunEnding.StoppedEarly;
                    break;
                }
            }

            if (last is null)
            {
                var evaluated = learner.Evaluate();
                EpochMetrics? tested = learner.HasTestSet ? learner.EvaluateTest() : null;
                last = new EpochRecord(0, double.NaN, evaluated.MeanLoss, evaluated.Accuracy, 0, tested?.MeanLoss, tested?.Accuracy);
                table.WriteRow(last);
            }
            table.WriteFinal(last);
            if (group.Size > 1 && !settings.Quiet && trainingTime > TimeSpan.Zero)
            {
                console.WriteLine($"gradient all-reduce: {learner.GradientSumTime.TotalSeconds:F2} s of {trainingTime.TotalSeconds:F2} s training " +
                    $"({learner.GradientSumTime / trainingTime:P1}) on rank 0");
            }
            if (settings.Save is { } path)
            {
                ModelWeights.Save(path, backend, run.Model, spec, DescentApp.Version);
                if (!settings.Quiet)
                {
                    console.WriteLine($"saved the weights to {path}");
                }
            }
            if (ending != RunEnding.StoppedEarly)
            {
                ending = RunEnding.Completed;
            }
            return ExitCodes.Success;
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            ending = RunEnding.Interrupted;
            var kept = checkpoints is not null && learner.EpochsDone > 0
                ? $"; {checkpoints.PathOf(learner.EpochsDone)} holds the last finished epoch: resume with --resume {checkpoints.Root}"
                : "";
            throw new RunInterruptedException($"stopped during epoch {learner.EpochsDone + 1}{kept}");
        }
        catch (DivergedException)
        {
            ending = RunEnding.Diverged;
            throw;
        }
        finally
        {
            metricsFile?.End(ending);
        }
    }

    /// <summary>What every rank must agree on: the run's spec and the options outside it that change what the ranks do.</summary>
    private static byte[] Fingerprint(TrainingSpec spec, TrainSettings settings) =>
        System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(string.Join('\n', spec.ToJson().ToJsonString(),
            settings.Backend, settings.Init is null, settings.EarlyStop)));

    private static IAnsiConsole SilentConsole() => AnsiConsole.Create(new AnsiConsoleSettings
    {
        Out = new AnsiConsoleOutput(TextWriter.Null),
        Ansi = AnsiSupport.No,
        ColorSystem = ColorSystemSupport.NoColors,
        Interactive = InteractionSupport.No,
    });

    /// <summary>The root a checkpoint lies in: resuming from DIR or from DIR/checkpoint-N writes on into DIR.</summary>
    private static string RootOf(string checkpointFolder) => Path.GetDirectoryName(Path.GetFullPath(checkpointFolder))!;

    private static string Describe(TrainingSpec spec, DatasetName dataset, DatasetSplits splits, ImageDataset? reportedTest, int epochs,
        string scheduleName)
    {
        var activation = spec.Model.HasActivation && spec.Model.IsMlp ? $" ({CliNames.Of(spec.Model.Activation)})" : "";
        var optimizerName = CliNames.Of(spec.Optimizer.Kind);
        var optimizerText = spec.Optimizer.Kind == OptimizerKind.Sgd && spec.Optimizer.Momentum > 0
            ? $"{optimizerName} {(spec.Optimizer.Nesterov ? "nesterov " : "")}momentum {Format(spec.Optimizer.Momentum)}"
            : optimizerName;
        if (spec.Optimizer.WeightDecay > 0)
        {
            optimizerText += $" weight decay {Format(spec.Optimizer.WeightDecay)}" +
                (spec.Optimizer.DecayScope == DecayScope.All ? "" : $" on {CliNames.Of(spec.Optimizer.DecayScope)}");
        }
        var evaluated = spec.ValidFolder ? "validation" : spec.ValidSplit is null ? "test" : "validation (held out from training)";
        var tested = reportedTest is null ? "" : $", {reportedTest.Count} test images (reported, never chosen on)";
        return $"{dataset.Name}: {splits.Train.Count} training, {splits.Valid.Count} {evaluated} images{tested}; " +
            $"model {spec.Model.WidthsText}{activation}, loss {spec.Loss}{(spec.LabelSmoothing > 0 ? $" (label smoothing {Format(spec.LabelSmoothing)})" : "")}, {optimizerText} lr {Format(spec.Schedule.LearningRate)}, " +
            $"{scheduleName} schedule, batch {spec.BatchSize}, {epochs} epochs, seed {spec.Seed}, inputs {spec.Normalization}";
    }

    private static string Format(float value) => value.ToString("G", CultureInfo.InvariantCulture);

    /// <summary>The lowest validation loss so far, its epoch, and the epochs since it; carried across a resume by the checkpoint.</summary>
    private sealed class BestTracker(CheckpointState? resumed)
    {
        public double? BestLoss { get; private set; } = resumed?.BestValidLoss;

        public int BestEpoch { get; private set; } = resumed?.BestEpoch ?? 0;

        public int EpochsWithoutImprovement { get; private set; } = resumed?.EpochsWithoutImprovement ?? 0;

        /// <summary>Records an epoch's validation loss; true when it is the best so far.</summary>
        public bool Record(int epoch, double loss)
        {
            if (BestLoss is null || loss < BestLoss)
            {
                (BestLoss, BestEpoch, EpochsWithoutImprovement) = (loss, epoch, 0);
                return true;
            }
            EpochsWithoutImprovement++;
            return false;
        }
    }
}
