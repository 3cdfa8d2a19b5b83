using System.CommandLine;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Serialization;
using Descent.Engine.Benchmarking;
using Descent.Engine.Data;
using Descent.Engine.Files;
using Descent.Kernels;
using Descent.Kernels.Cpu;
using Spectre.Console;

namespace Descent.Host.Commands;

/// <summary>
/// `descent bench`: times whole MNIST training epochs (784-128-10, batch 128, plain SGD lr 0.1 by
/// default; with --arch cnn PyTorch's example CNN, batch 64, plain SGD lr 0.05, dropout on: the libtorch
/// peer's configurations) on each fast backend present, or on the one named, prints seconds per epoch and
/// images per second, and optionally writes them as JSON.
/// ILGPU's CPU accelerator (about 30 s an epoch) and the reference run only when named.
/// </summary>
public static class BenchCommand
{
    public static Command Create(IAnsiConsole console, TextWriter error)
    {
        var targets = new BenchTargets();
        var output = new Option<string?>("--out") { Description = "Write the results as JSON to this file" };
        var arch = new Option<string>("--arch")
        {
            Description = "Model and settings: " + string.Join("; ", BenchmarkConfig.ByArch.Select(entry =>
                string.Create(CultureInfo.InvariantCulture,
                    $"{entry.Key}: {entry.Value.Layers}, batch {entry.Value.BatchSize}, sgd lr {entry.Value.LearningRate}, {entry.Value.TimedEpochs} timed"))),
            DefaultValueFactory = _ => Engine.Models.Architecture.Mlp.Name,
        };
        arch.AcceptOnlyFromAmong([.. BenchmarkConfig.ByArch.Keys]);
        var layers = new Option<string?>("--layers") { Description = "Layers in train's --layers grammar [default per arch]" };
        var batchSize = new Option<int?>("--batch-size") { Description = "Images per step [default per arch]" };
        var epochs = new Option<int?>("--epochs") { Description = "Epochs timed per backend, after one untimed warm-up epoch [default per arch]" };
        var dataDir = DataDirOption.Create([DatasetName.Mnist]);
        var command = new Command("bench", "Time MNIST training epochs (plain SGD) of the MLP or, with --arch cnn, the CNN on each backend present")
        {
            output, arch, layers, batchSize, epochs, dataDir,
        };
        targets.AddTo(command);
        command.Subcommands.Add(BenchGemmCommand.Create(console));
        command.SetAction(async (parsed, cancellation) =>
        {
            // Before any data is read or epoch timed: results that cannot be written are not worth the wait.
            OutputPath.Check(parsed.GetValue(output), "--out");
            var defaults = BenchmarkConfig.ByArch[parsed.GetRequiredValue(arch)];
            var config = defaults with
            {
                Layers = parsed.GetValue(layers) ?? defaults.Layers,
                BatchSize = parsed.GetValue(batchSize) ?? defaults.BatchSize,
                TimedEpochs = parsed.GetValue(epochs) ?? defaults.TimedEpochs,
            };
            if (config.BatchSize <= 0 || config.TimedEpochs <= 0)
            {
                throw new InvalidInputException("--batch-size and --epochs must be 1 or more");
            }
            // The layers are checked before the data is read: a typo costs no download.
            _ = config.Model;
            var names = targets.Names(parsed);
            var location = DataLocation.FromOptions(DatasetName.Mnist, parsed.GetValue(dataDir), new Progress<string>(m => error.WriteLine($"descent: {m}")));
            var train = (await DatasetLoader.LoadAsync(DatasetName.Mnist, location, cancellation)).Train;
            return Execute(console, names, parsed.GetValue(targets.Device), train, config, parsed.GetValue(output), cancellation);
        });
        return command;
    }

    private static int Execute(IAnsiConsole console, IReadOnlyList<string> names, int device, ImageDataset train, BenchmarkConfig config,
        string? outputPath, CancellationToken cancellation)
    {
        var machine = new Machine(CpuBackend.ProcessorName(), Environment.ProcessorCount, RuntimeInformation.OSDescription,
            RuntimeInformation.FrameworkDescription);
        console.WriteLine($"machine: {machine.Processor}, {machine.LogicalProcessors} logical processors, {machine.Os}, {machine.Runtime}");
        console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"mnist {config.Model.WidthsText}{(config.Model.IsMlp ? " (relu)" : "")}, batch {config.BatchSize}, sgd lr {config.LearningRate}, {train.Count} images, " +
            $"1 warm-up epoch then {config.TimedEpochs} timed"));

        var results = new List<BenchmarkResult>();
        foreach (var name in names)
        {
            cancellation.ThrowIfCancellationRequested();
            using var backend = Backends.Create(name, device);
            console.WriteLine($"backend {backend.Name}: {backend.DeviceDescription}");
            results.Add(EpochBenchmark.Run(backend, train, config,
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
            document["spec"] = config.Spec(train).ToJson();
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
