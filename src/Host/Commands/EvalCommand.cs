using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Descent.Engine.Files;
using Descent.Engine.Data;
using Descent.Engine.Models;
using Descent.Engine.Training;
using Descent.Kernels;
using Spectre.Console;

namespace Descent.Host.Commands;

/// <summary>
/// `descent eval MODEL`: a saved model on a dataset's test set: loss, accuracy, per-class accuracy and
/// the confusion matrix, as tables or, with --json, as one JSON document on standard output. The model file decides
/// the run; of `descent train`'s options it takes only those that say where and how to evaluate (--dataset,
/// --batch-size, --data-dir, --backend, --device), declared from the same definitions, so none is silently ignored.
/// </summary>
public static class EvalCommand
{
    public static Command Create(IAnsiConsole console, TextWriter output, TextWriter error)
    {
        var model = new Argument<string>("MODEL") { Description = "A .safetensors file written by descent train --save" };
        var dataset = RunOptions.Dataset("Dataset to evaluate on, with as many classes as the model's [default: the one it was trained on]", null);
        var batchSize = RunOptions.BatchSize(
            "Items per step the run is sized for (evaluation steps take at least 1024 where the device holds them) [default: the model file's]");
        var dataDir = DataDirOption.Create(DatasetName.All);
        var json = new Option<bool>("--json") { Description = "Print the results as JSON instead of tables" };
        var plot = new Option<string?>("--plot") { Description = "Draw the confusion matrix into this PNG" };
        var plotOptions = new Plots.PlotOptions();
        var backend = new BackendOptions();
        var command = new Command("eval", "Evaluate a saved model on a test set: loss, accuracy, per-class accuracy, confusion matrix")
        {
            model, dataset, batchSize, dataDir, json, plot, plotOptions.Size,
        };
        backend.AddTo(command);
        command.SetAction(async (parsed, cancellation) =>
        {
            var path = parsed.GetRequiredValue(model);
            var picture = parsed.GetValue(plot);
            var size = plotOptions.ReadSize(parsed);
            if (picture is not null)
            {
                OutputPath.Check(picture, "--plot");
            }
            var (spec, tensors) = ModelWeights.ReadModel(path, message => error.WriteLine($"descent: {message}"));
            var quiet = parsed.GetValue(json);
            var tree = PictureTrees.ScanIfTree(parsed.GetValue(dataDir), quiet ? null : message => error.WriteLine($"descent: {message}"));
            var name = PictureTrees.DatasetToEvaluate(tree, parsed.GetValue(dataset), spec, path);
            var trainedOn = spec.KnownDataset;
            if (trainedOn is not null && trainedOn.Classes != name.Classes)
            {
                throw new InvalidInputException(
                    $"{path} was trained on {trainedOn.Name} ({trainedOn.Classes} classes); {name.Name} has {name.Classes}");
            }
            // The run is the model file's; what the options may change is checked by the spec's own rules before any data is read.
            spec = (spec with { Dataset = name.Name, BatchSize = parsed.GetValue(batchSize) ?? spec.BatchSize }).Validate();
            var progress = quiet ? null : new Progress<string>(m => error.WriteLine($"descent: {m}"));
            var test = tree is not null
                ? DecodingBar.Show(console, quiet, decoding => PictureTrees.LoadForEvaluation(tree, spec, progress, cancellation, decoding))
                : (await DatasetLoader.LoadAsync(name, DataLocation.FromOptions(name, parsed.GetValue(dataDir), progress), cancellation)).Valid;

            using var device = backend.CreateBackend(parsed, error);
            using var run = new TrainingRun(device, spec, test, test);
            ModelWeights.Import(device, run.Model, tensors, path);
            var confusion = new ConfusionMatrix(name.Classes);
            var metrics = run.Learner.Evaluate(confusion);
            if (picture is not null)
            {
                var title = string.Create(CultureInfo.InvariantCulture,
                    $"{Path.GetFileName(Path.TrimEndingDirectorySeparator(path))} on the {name.Name} test set: accuracy {metrics.Accuracy:F4}");
                Engine.Files.AtomicFile.WriteAllBytes(picture, Plots.ConfusionChart.Png(confusion, name.ClassNames, title, size));
            }

            if (quiet)
            {
                output.WriteLine(Json(path, name, device, metrics, confusion).ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
            }
            else
            {
                WriteTables(console, path, name, device, metrics, confusion);
            }
            return ExitCodes.Success;
        });
        return command;
    }

    private static JsonObject Json(string path, DatasetName dataset, ComputeBackend device, EpochMetrics metrics, ConfusionMatrix confusion)
    {
        var matrix = new JsonArray();
        for (var actual = 0; actual < confusion.Classes; actual++)
        {
            matrix.Add(new JsonArray(Enumerable.Range(0, confusion.Classes).Select(p => (JsonNode)confusion[actual, p]).ToArray()));
        }
        return new JsonObject
        {
            ["model"] = path,
            ["dataset"] = dataset.Name,
            ["classes"] = new JsonArray(dataset.ClassNames.Select(name => (JsonNode)name).ToArray()),
            ["backend"] = device.Name,
            ["items"] = metrics.Items,
            ["loss"] = metrics.MeanLoss,
            ["accuracy"] = metrics.Accuracy,
            ["per_class_accuracy"] = new JsonArray(Enumerable.Range(0, confusion.Classes)
                .Select(c => (JsonNode?)(double.IsNaN(confusion.ClassAccuracy(c)) ? null : confusion.ClassAccuracy(c))).ToArray()),
            ["confusion"] = matrix,
        };
    }

    private static void WriteTables(IAnsiConsole console, string path, DatasetName dataset, ComputeBackend device, EpochMetrics metrics,
        ConfusionMatrix confusion)
    {
        console.WriteLine($"{path} on the {dataset.Name} test set ({metrics.Items} images), backend {device.Name}");
        console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"loss {metrics.MeanLoss:F6}, accuracy {metrics.Accuracy:F4}"));
        var table = new Table().AddColumn("true \\ predicted");
        foreach (var name in dataset.ClassNames)
        {
            table.AddColumn(Markup.Escape(name));
        }
        table.AddColumn("accuracy");
        for (var actual = 0; actual < confusion.Classes; actual++)
        {
            var cells = new List<string> { Markup.Escape(dataset.ClassNames[actual]) };
            cells.AddRange(Enumerable.Range(0, confusion.Classes).Select(p => confusion[actual, p].ToString(CultureInfo.InvariantCulture)));
            var accuracy = confusion.ClassAccuracy(actual);
            cells.Add(double.IsNaN(accuracy) ? "-" : accuracy.ToString("F4", CultureInfo.InvariantCulture));
            table.AddRow(cells.ToArray());
        }
        console.Write(table);
    }
}
