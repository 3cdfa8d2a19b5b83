using System.CommandLine;
using System.Globalization;
using Descent.Engine.Files;
using Descent.Engine.Models;
using Descent.Engine.Onnx;
using Descent.Kernels;
using Spectre.Console;

namespace Descent.Host.Commands;

/// <summary>
/// `descent export MODEL --onnx FILE`: a saved model as a file another runtime runs. ONNX is the one format
/// so far; it is a required option rather than the default so that later formats join as options of their own.
/// </summary>
public static class ExportCommand
{
    public static Command Create(IAnsiConsole console, TextWriter error)
    {
        var model = new Argument<string>("MODEL")
        {
            Description = "A .safetensors file written by descent train --save, or a --checkpoint folder (its latest checkpoint)",
        };
        var onnx = new Option<string>("--onnx")
        {
            Description = $"Write an ONNX graph (opset {OnnxExport.Opset}): raw pixels [N, 1, H, W] in 0..255 in, class probabilities [N, K] out",
            HelpName = "FILE.onnx",
            Required = true,
        };
        var command = new Command("export", "Write a saved model in a format other runtimes run: ONNX") { model, onnx };
        command.SetAction(parsed =>
        {
            var modelPath = parsed.GetRequiredValue(model);
            var onnxPath = parsed.GetRequiredValue(onnx);
            // Refused before the model is read, and never the model itself: nothing is replaced by a broken or foreign file.
            OutputPath.Check(onnxPath, "--onnx");
            if (OutputPath.SameFile(onnxPath, modelPath))
            {
                throw new InvalidInputException($"--onnx {onnxPath} is the model file itself; name another file");
            }
            var (spec, tensors) = ModelWeights.ReadModel(modelPath, message => error.WriteLine($"descent: {message}"));
            var graph = OnnxExport.Build(spec, tensors, DescentApp.Version, modelPath);
            OnnxExport.Write(onnxPath, graph);
            var bytes = new FileInfo(onnxPath).Length;
            // A model without hidden layers has no activation to name.
            var layers = spec.Model.Widths.Count > 2 && spec.Model.IsMlp ? $"{spec.Model.WidthsText} {CliNames.Of(spec.Model.Activation)}" : spec.Model.WidthsText;
            console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"wrote {onnxPath} ({bytes / 1024.0:F1} KiB, ONNX opset {OnnxExport.Opset}): {layers} model, " +
                $"{OnnxExport.InputName} [N, {string.Join(", ", spec.InputShape)}] -> {OnnxExport.OutputName} [N, {spec.Model.Outputs}]"));
            return ExitCodes.Success;
        });
        return command;
    }
}
