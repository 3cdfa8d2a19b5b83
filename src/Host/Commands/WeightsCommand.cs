using System.CommandLine;
using System.Globalization;
using Descent.Engine.Charts;
using Descent.Engine.Files;
using Descent.Engine.Models;
using Descent.Host.Plots;
using Spectre.Console;

namespace Descent.Host.Commands;

/// <summary>
/// `descent weights MODEL --out FILE.png`: a saved model's first-layer weights as heat maps in the input's
/// shape, one panel per unit, on a colour scale centred on zero. For the lesson's linear 3-vs-7 model, one
/// panel: the pixel weights.
/// </summary>
public static class WeightsCommand
{
    public static Command Create(IAnsiConsole console, TextWriter error)
    {
        var model = new Argument<string>("MODEL") { Description = "A .safetensors file written by descent train --save, or a checkpoint folder" };
        var output = new Option<string>("--out") { Description = "The PNG file to draw into", Required = true };
        var plot = new PlotOptions();
        var command = new Command("weights", "Draw a saved model's first-layer weights in the shape of its input, one heat map per unit")
        {
            model, output, plot.Size,
        };
        command.SetAction(parsed =>
        {
            var path = parsed.GetRequiredValue(model);
            var picture = parsed.GetRequiredValue(output);
            var size = plot.ReadSize(parsed);
            OutputPath.Check(picture, "--out");
            var (spec, tensors) = ModelWeights.ReadModel(path, message => error.WriteLine($"descent: {message}"));
            var chart = WeightMaps.FirstLayer($"First-layer weights of {Path.GetFileName(Path.TrimEndingDirectorySeparator(path))} " +
                $"({spec.Model.WidthsText}): blue negative, red positive", spec, tensors, path);
            AtomicFile.WriteAllBytes(picture, ChartRenderer.Png(chart, size));
            var values = chart.Panels.SelectMany(panel => panel.Values).ToList();
            var panel = chart.Panels[0];
            console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{path}: {chart.Panels.Count} unit{(chart.Panels.Count == 1 ? "" : "s")} of {spec.Model.WidthsText}, each drawn as " +
                $"{panel.Rows}x{panel.Cols}; weights from {values.Min():G4} to {values.Max():G4}, white at 0"));
            console.WriteLine($"wrote {picture}");
            return ExitCodes.Success;
        });
        return command;
    }
}
