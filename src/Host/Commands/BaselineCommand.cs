using System.CommandLine;
using System.Globalization;
using Descent.Engine.Data;
using Descent.Engine.Training;
using Descent.Kernels;
using Spectre.Console;

namespace Descent.Host.Commands;

/// <summary>`descent baseline`: the lesson's pixel-similarity model, no learning.</summary>
public static class BaselineCommand
{
    public static Command Create(IAnsiConsole console, TextWriter error)
    {
        var dataset = new Option<string>("--dataset")
        {
            Description = "Dataset (the baseline compares ideal 3s and 7s)",
            DefaultValueFactory = _ => DatasetName.MnistThreesAndSevens.Name,
        };
        var distance = new Option<string>("--distance") { Description = "Distance to the ideal digits", DefaultValueFactory = _ => "l1" };
        distance.AcceptOnlyFromAmong("l1", "l2");
        var dataDir = DataDirOption.Create([DatasetName.MnistThreesAndSevens]);
        var command = new Command("baseline", "Pixel-similarity baseline: accuracy on 3s, on 7s and their mean") { dataset, distance, dataDir };
        command.SetAction(async (parsed, cancellation) =>
        {
            var name = DatasetName.Parse(parsed.GetRequiredValue(dataset));
            if (name != DatasetName.MnistThreesAndSevens)
            {
                throw new InvalidInputException(
                    $"the baseline compares ideal 3s and 7s, so it runs on {DatasetName.MnistThreesAndSevens.Name} only, not on {name.Name}");
            }
            if (parsed.GetValue(dataDir) is { } folder && PictureTree.LooksLikeTree(folder))
            {
                throw new InvalidInputException(
                    $"--data-dir {folder} is a tree of class folders of pictures: the baseline compares ideal 3s and 7s of {DatasetName.MnistThreesAndSevens.Name}'s IDX files only");
            }
            var location = DataLocation.FromOptions(name, parsed.GetValue(dataDir), new Progress<string>(m => error.WriteLine($"descent: {m}")));
            var splits = await DatasetLoader.LoadAsync(name, location, cancellation);
            var kind = parsed.GetRequiredValue(distance) == "l2" ? PixelDistance.L2 : PixelDistance.L1;
            var result = PixelSimilarity.Evaluate(splits, kind);
            console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"distance {kind}: accuracy on 3s {result.AccuracyOnThrees:F4}, on 7s {result.AccuracyOnSevens:F4}, mean {result.MeanAccuracy:F4}"));
            return ExitCodes.Success;
        });
        return command;
    }
}
