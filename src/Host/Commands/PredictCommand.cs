using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Descent.Engine.Data;
using Descent.Engine.Models;
using Descent.Kernels;
using Spectre.Console;

namespace Descent.Host.Commands;

/// <summary>
/// `descent predict MODEL IMAGE... [--index N...]`: a saved model's most probable classes for pictures
/// (prepared as its training data was, the way its spec's dataset says, see <see cref="ModelPictures"/>) and for test-set images, whose true
/// label is shown beside them; as a table or, with --json, as one JSON document on standard output.
/// </summary>
public static class PredictCommand
{
    private const int DefaultTop = 3;

    public static Command Create(IAnsiConsole console, TextWriter output, TextWriter error)
    {
        var model = new Argument<string>("MODEL") { Description = "A .safetensors file written by descent train --save" };
        var images = new Argument<string[]>("IMAGE")
        {
            Description = "Pictures to classify: PNG, JPEG, BMP, WebP or GIF, grey or colour, any size: resized to the model's input, " +
                          "colour made grey for a grey model; for MNIST digit models (mnist, mnist-3-7) framed as MNIST's digits were, dark on light or light on dark",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var index = new Option<int[]>("--index")
        {
            Description = "A test-set image to classify, by position from 0, shown with its true label; give it again for more (--index 0 --index 7)",
        };
        var dataset = RunOptions.Dataset("Test set --index reads [default: the one it was trained on]", null);
        var dataDir = DataDirOption.Create(DatasetName.All);
        var top = new Option<int>("--top") { Description = "Classes to show per image, most probable first (at most the model's classes)", DefaultValueFactory = _ => DefaultTop };
        var json = new Option<bool>("--json") { Description = "Print the predictions as JSON instead of a table" };
        var backend = new BackendOptions();
        var command = new Command("predict", "Classify pictures or test-set images with a saved model: the most probable classes")
        {
            model, images, index, dataset, dataDir, top, json,
        };
        backend.AddTo(command);
        command.SetAction(async (parsed, cancellation) =>
        {
            var path = parsed.GetRequiredValue(model);
            var pictures = parsed.GetValue(images) ?? [];
            var indices = parsed.GetValue(index) ?? [];
            var shown = parsed.GetValue(top);
            if (pictures.Length == 0 && indices.Length == 0)
            {
                throw new InvalidInputException("predict needs an IMAGE or --index N to classify");
            }
            var negative = indices.Where(i => i < 0).ToArray();
            if (negative.Length > 0)
            {
                throw new InvalidInputException($"--index {negative[0]} is not a position: test-set images count from 0");
            }
            if (shown < 1)
            {
                throw new InvalidInputException($"--top must be 1 or more, got {shown}");
            }
            var (spec, tensors) = ModelWeights.ReadModel(path, message => error.WriteLine($"descent: {message}"));
            if (spec.InputShape is not [var channels and (1 or 3), var height, var width])
            {
                throw new InvalidInputException(
                    $"{path} takes inputs of shape [{string.Join(", ", spec.InputShape)}]; predict reads grey or colour [1|3, H, W] models only");
            }
            // Chosen by the dataset the model was trained on, as recorded, so a picture is prepared as its training data was.
            var framing = ModelPictures.FramingFor(spec.KnownDataset);
            // Every picture is read before any data is loaded or device opened, so a bad one costs nothing.
            var inputs = pictures.Select(picture =>
            {
                var prepared = ModelPictures.Read(picture, framing, channels, height, width);
                return new PredictInput(picture, prepared.Pixels, null, prepared.Blank);
            }).ToList();
            foreach (var blank in inputs.Where(input => input.Blank))
            {
                // A model ranks even an empty frame, confidently; that ranking would say nothing about the picture.
                error.WriteLine($"descent: {blank.Name}: no ink found (a blank or uniform picture): nothing to classify");
            }
            var quiet = parsed.GetValue(json);
            if (indices.Length > 0)
            {
                var tree = PictureTrees.ScanIfTree(parsed.GetValue(dataDir), quiet ? null : message => error.WriteLine($"descent: {message}"));
                var name = PictureTrees.DatasetToEvaluate(tree, parsed.GetValue(dataset), spec, path);
                var progress = quiet ? null : new Progress<string>(m => error.WriteLine($"descent: {m}"));
                var test = tree is not null
                    ? DecodingBar.Show(console, quiet, decoding => PictureTrees.LoadForEvaluation(tree, spec, progress, cancellation, decoding))
                    : (await DatasetLoader.LoadAsync(name, DataLocation.FromOptions(name, parsed.GetValue(dataDir), progress), cancellation)).Valid;
                inputs.AddRange(TestImages(test, name, indices, channels, height, width));
            }

            using var device = backend.CreateBackend(parsed, error);
            using var predictor = new Predictor(device, spec, tensors, path, maxRows: Math.Min(inputs.Count, 256));
            var probabilities = predictor.Probabilities(inputs.SelectMany(input => input.Pixels).ToArray(), inputs.Count);
            var classNames = ClassNames(spec, predictor.Classes);
            var predictions = inputs
                .Select((input, row) => new Prediction(input, input.Blank ? [] : Rank(predictor,
                    probabilities.AsSpan(row * predictor.Outputs, predictor.Outputs), classNames, shown)))
                .ToList();

            if (quiet)
            {
                output.WriteLine(Json(path, spec.Dataset, device, predictions).ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
            }
            else
            {
                WriteTable(console, path, spec.Model.WidthsText, spec.Dataset, device, predictions);
            }
            return ExitCodes.Success;
        });
        return command;
    }

    /// <summary>The <paramref name="shown"/> most probable classes of one image's row of probabilities; ties go to the lower label.</summary>
    private static List<RankedClass> Rank(Predictor predictor, ReadOnlySpan<float> row, IReadOnlyList<string> classNames, int shown)
    {
        var ranked = new List<RankedClass>(predictor.Classes);
        for (var label = 0; label < predictor.Classes; label++)
        {
            ranked.Add(new RankedClass(label, classNames[label], predictor.ClassProbability(row, label)));
        }
        return ranked.OrderByDescending(entry => entry.Probability).ThenBy(entry => entry.Label).Take(shown).ToList();
    }

    /// <summary>The test images at <paramref name="indices"/>, each with its true label, checked against the model's input size.</summary>
    private static IEnumerable<PredictInput> TestImages(ImageDataset test, DatasetName dataset, int[] indices, int channels, int height, int width)
    {
        if (test.Channels != channels || test.ImageRows != height || test.ImageCols != width)
        {
            throw new InvalidInputException(
                $"the {dataset.Name} test images are {test.Channels} x {test.ImageRows} x {test.ImageCols}; the model takes {channels} x {height} x {width}");
        }
        var pastTheEnd = indices.Where(i => i >= test.Count).ToArray();
        if (pastTheEnd.Length > 0)
        {
            throw new InvalidInputException($"--index {pastTheEnd[0]} is past the {dataset.Name} test set's {test.Count} images (0 to {test.Count - 1})");
        }
        return indices.Select(i => new PredictInput($"{dataset.Name} test #{i}", test.Pixels.AsSpan(i * test.Features, test.Features).ToArray(),
            new TrueLabel(i, test.Labels[i], dataset.ClassNames[test.Labels[i]]), Blank: false));
    }

    /// <summary>The names of the model's dataset's classes, or the labels as numbers where that dataset is unknown or differs in size.</summary>
    private static IReadOnlyList<string> ClassNames(Engine.Training.TrainingSpec spec, int classes) =>
        spec.KnownDataset is { } dataset && dataset.Classes == classes
            ? dataset.ClassNames
            : Enumerable.Range(0, classes).Select(label => label.ToString(CultureInfo.InvariantCulture)).ToArray();

    private static JsonObject Json(string path, string dataset, ComputeBackend device, List<Prediction> predictions) => new()
    {
        ["model"] = path,
        ["dataset"] = dataset,
        ["backend"] = device.Name,
        ["predictions"] = new JsonArray(predictions.Select(prediction =>
        {
            var entry = new JsonObject { ["input"] = prediction.Input.Name, ["blank"] = prediction.Input.Blank };
            if (prediction.Input.Truth is { } truth)
            {
                entry["index"] = truth.Index;
                entry["label"] = truth.Label;
                entry["label_name"] = truth.Name;
            }
            entry["top"] = new JsonArray(prediction.Top.Select(ranked => (JsonNode)new JsonObject
            {
                ["label"] = ranked.Label,
                ["name"] = ranked.Name,
                ["probability"] = ranked.Probability,
            }).ToArray());
            return (JsonNode)entry;
        }).ToArray()),
    };

    private static void WriteTable(IAnsiConsole console, string path, string widths, string dataset, ComputeBackend device,
        List<Prediction> predictions)
    {
        console.WriteLine($"{path}: model {widths} trained on {dataset}, backend {device.Name}");
        var withTruth = predictions.Any(prediction => prediction.Input.Truth is not null);
        var table = new Table().AddColumn("input");
        if (withTruth)
        {
            table.AddColumn("true");
        }
        var ranks = Math.Max(1, predictions.Max(prediction => prediction.Top.Count));
        for (var rank = 1; rank <= ranks; rank++)
        {
            table.AddColumn($"#{rank}");
        }
        foreach (var prediction in predictions)
        {
            var cells = new List<string> { Markup.Escape(prediction.Input.Name) };
            if (withTruth)
            {
                cells.Add(Markup.Escape(prediction.Input.Truth?.Name ?? "-"));
            }
            cells.AddRange(prediction.Input.Blank
                ? ["no ink found", .. Enumerable.Repeat("", ranks - 1)]
                : prediction.Top.Select(ranked => Markup.Escape(string.Create(CultureInfo.InvariantCulture, $"{ranked.Name} {ranked.Probability:F4}"))));
            table.AddRow(cells.ToArray());
        }
        console.Write(table);
    }

    /// <summary>One image to classify: where it came from, its pixels at the model's size, and its true label if known.</summary>
    /// <param name="Blank">Whether MNIST's framing found no ink in the picture (<see cref="ModelPicture.Blank"/>); test-set images never are.</param>
    private sealed record PredictInput(string Name, byte[] Pixels, TrueLabel? Truth, bool Blank);

    private sealed record TrueLabel(int Index, int Label, string Name);

    private sealed record RankedClass(int Label, string Name, float Probability);

    private sealed record Prediction(PredictInput Input, List<RankedClass> Top);
}
