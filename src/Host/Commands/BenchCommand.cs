using System.CommandLine;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Serialization;
using Descent.Engine.Benchmarking;
using Descent.Engine.Data;
using Descent.Engine.Files;
using Descent.Engine.Optimizers;
using Descent.Engine.Training;
using Descent.Kernels;
using Descent.Kernels.Cpu;
using Spectre.Console;

namespace Descent.Host.Commands;

/// <summary>
/// `descent bench`: times whole training epochs on each fast backend present, or on the one named, prints seconds per
/// epoch and images per second, and optionally writes them as JSON. The run is `descent train`'s: the same options
/// (<see cref="RunOptions"/>), the same builder and checks, only other defaults: the libtorch peer's configurations
/// (<see cref="BenchmarkRecipe"/>), the MLP 784-128-10 at batch 128 with plain SGD lr 0.1 and PyTorch's example CNN at
/// batch 64 with plain SGD lr 0.05, dropout on, and the ResNet with its own recipe. ILGPU's CPU accelerator (about 30 s an epoch) and the reference run
/// only when named.
/// </summary>
public static class BenchCommand
{
    public static Command Create(IAnsiConsole console, TextWriter error)
    {
        var run = new RunOptions(RunPurpose.Benchmark, BenchmarkRecipe.All.Select(recipe => recipe.Architecture).ToArray());
        var targets = new BenchTargets();
        var output = new Option<string?>("--out") { Description = "Write the results as JSON to this file" };
        var epochs = new Option<int?>("--epochs")
        {
            Description = "Epochs timed per backend, after one untimed warm-up epoch [default per arch: " +
                string.Join("; ", BenchmarkRecipe.All.Select(recipe => $"{recipe.TimedEpochs} for {recipe.Architecture.Name}")) + "]",
        };
        var profile = new Option<bool>("--profile")
        {
            Description = "Instead of timing epochs, time each op of a training step: its calls, time, GFLOP/s or GB/s and share of the " +
                "processor's measured peak, beside the step's time with and without the profile",
        };
        var steps = new Option<int>("--steps")
        {
            Description = "Training steps per round of --profile (three rounds of each kind, the best kept)",
            DefaultValueFactory = _ => 20,
        };
        var dataDir = DataDirOption.Create(DatasetName.All);
        var command = new Command("bench",
            "Time training epochs on each backend present: the run of `descent train`'s options, with the libtorch peer's settings as defaults");
        run.AddTo(command);
        command.Options.Add(epochs);
        command.Options.Add(profile);
        command.Options.Add(steps);
        targets.AddTo(command);
        command.Options.Add(dataDir);
        command.Options.Add(output);
        command.Subcommands.Add(BenchGemmCommand.Create(console));
        command.SetAction(async (parsed, cancellation) =>
        {
            // Before any data is read or epoch timed: results that cannot be written are not worth the wait, and a
            // spec that breaks a rule (a typo in the layers, say) costs no download.
            OutputPath.Check(parsed.GetValue(output), "--out");
            var settings = run.Read(parsed);
            var timedEpochs = parsed.GetValue(epochs) ?? BenchmarkRecipe.For(settings.Arch).TimedEpochs;
            if (timedEpochs <= 0)
            {
                throw new InvalidInputException($"--epochs must be 1 or more, got {timedEpochs}");
            }
            var profileSteps = parsed.GetValue(steps);
            if (profileSteps <= 0)
            {
                throw new InvalidInputException($"--steps must be 1 or more, got {profileSteps}");
            }
            if (parsed.GetValue(profile) && parsed.GetValue(output) is not null)
            {
                throw new InvalidInputException("--out writes timed epochs; --profile prints a table of ops and writes no file");
            }
            var say = (string message) => error.WriteLine($"descent: {message}");
            var tree = PictureTrees.ScanIfTree(parsed.GetValue(dataDir), say);
            var builder = new TrainSpecBuilder(settings with { Epochs = BenchmarkRecipe.PlannedEpochs(timedEpochs) }, saved: null, tree: tree);
            var spec = builder.Build();
            var names = targets.Names(parsed);
            var progress = new Progress<string>(say);
            var train = tree is not null
                ? DecodingBar.Show(console, quiet: false, decoding => PictureTrees.LoadForTraining(tree, settings, progress, cancellation, decoding)).Train
                : (await DatasetLoader.LoadAsync(builder.Dataset, DataLocation.FromOptions(builder.Dataset, parsed.GetValue(dataDir), progress), cancellation)).Train;
            if (parsed.GetValue(profile))
            {
                return StepProfileTable.Execute(console, names, parsed.GetValue(targets.Device), train, builder.ForData(spec, train),
                    profileSteps, cancellation);
            }
            return Execute(console, names, parsed.GetValue(targets.Device), train, builder.ForData(spec, train), timedEpochs,
                parsed.GetValue(output), cancellation);
        });
        return command;
    }

    private static int Execute(IAnsiConsole console, IReadOnlyList<string> names, int device, ImageDataset train, TrainingSpec spec,
        int timedEpochs, string? outputPath, CancellationToken cancellation)
    {
        var machine = new Machine(CpuBackend.ProcessorName(), Environment.ProcessorCount, RuntimeInformation.OSDescription,
            RuntimeInformation.FrameworkDescription);
        console.WriteLine($"machine: {machine.Processor}, {machine.LogicalProcessors} logical processors, {machine.Os}, {machine.Runtime}");
        var momentum = spec.Optimizer.Momentum > 0
            ? string.Create(CultureInfo.InvariantCulture, $" {(spec.Optimizer.Nesterov ? "nesterov " : "")}momentum {spec.Optimizer.Momentum}") : "";
        var schedule = spec.Schedule.Kind != ScheduleKind.Constant ? $", {CliNames.Of(spec.Schedule.Kind)} schedule" : "";
        console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{spec.Dataset} {spec.Model.WidthsText}{(spec.Model.IsMlp ? $" ({CliNames.Of(spec.Model.Activation)})" : "")}, batch {spec.BatchSize}, " +
            $"{CliNames.Of(spec.Optimizer.Kind)} lr {spec.Schedule.LearningRate}{momentum}{schedule}, inputs {spec.Normalization}, " +
            $"{train.Count} images, 1 warm-up epoch then {timedEpochs} timed"));

        var results = new List<BenchmarkResult>();
        foreach (var name in names)
        {
            cancellation.ThrowIfCancellationRequested();
            using var backend = Backends.Create(name, device);
            console.WriteLine($"backend {backend.Name}: {backend.DeviceDescription}");
            results.Add(EpochBenchmark.Run(backend, spec, train, timedEpochs,
                (epoch, seconds) => console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  epoch {epoch}: {seconds:F3} s"))));
        }

        var table = new Table().AddColumns("backend", "device", "seconds per epoch", "images per second", "epochs timed");
        foreach (var result in results)
        {
            table.AddRow(result.Backend, Markup.Escape(result.Device),
                result.SecondsPerEpoch.ToString("F3", CultureInfo.InvariantCulture),
                result.ImagesPerSecond.ToString("N0", CultureInfo.InvariantCulture),
                result.EpochsTimed.ToString(CultureInfo.InvariantCulture));
        }
        console.Write(table);

        if (outputPath is not null)
        {
            var document = JsonSerializer.SerializeToNode(new Document(Schema, DescentApp.Version, machine, train.Count, 1),
                BenchTargets.JsonOptions)!.AsObject();
            document["spec"] = spec.ToJson();
            document["results"] = JsonSerializer.SerializeToNode(results, BenchTargets.JsonOptions);
            AtomicFile.WriteAllText(outputPath, document.ToJsonString(BenchTargets.JsonOptions) + "\n");
        }
        return ExitCodes.Success;
    }

    /// <summary>Schema 2: the run as a training spec ("spec"), then "results".</summary>
    private const int Schema = 2;

    private sealed record Document(int Schema, string DescentVersion, Machine Machine, int TrainImages, int WarmupEpochs);

    private sealed record Machine(string Processor, int LogicalProcessors, string Os, string Runtime);

}
