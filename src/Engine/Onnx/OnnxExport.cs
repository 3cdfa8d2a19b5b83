using System.Globalization;
using Descent.Engine.Files;
using Descent.Engine.Layers;
using Descent.Engine.Models;
using Descent.Engine.Onnx.Protobuf;
using Descent.Engine.Training;
using Descent.Kernels;
using Google.Protobuf;
using static Descent.Engine.Onnx.OnnxGraphBuilder;

namespace Descent.Engine.Onnx;

/// <summary>
/// A saved model as an ONNX graph (opset 17) that computes what <see cref="Predictor"/> computes, from raw
/// pixels: input "pixels" [N, C, H, W] float in 0..255, Descent's normalisation per channel (pixel * scale[c] + shift[c],
/// constants shaped [1, C, 1, 1]),
/// the layers, and output "probabilities" [N, K], the softmax over K outputs, or for a one-output model
/// [N, 1] holding the sigmoid, the probability of label 1. Weights keep their PyTorch names, and the
/// training spec and normalisation travel in the model's metadata under the keys of the model file.
/// </summary>
public static class OnnxExport
{
    public const int Opset = 17;
    public const string InputName = "pixels";
    public const string OutputName = "probabilities";

    /// <summary>The symbolic batch dimension of the input and the output: any number of images per run.</summary>
    public const string BatchSymbol = "N";

    /// <summary>The graph for a model file's contents; a model the exporter cannot express, or tensors that do not fit it, are bad input.</summary>
    public static ModelProto Build(TrainingSpec spec, IReadOnlyList<NamedTensor> tensors, string version, string source)
    {
        CheckInput(spec, source);
        var modelGraph = spec.Model.Graph;
        var byName = ModelWeights.Check(ModelWeights.Expected(modelGraph), tensors, source, "its model");

        var graph = new OnnxGraphBuilder("descent");
        var batch = Dimension.Symbolic(BatchSymbol);
        graph.AddInput(InputName, [batch, .. spec.InputShape.Select(size => Dimension.Fixed(size))]);
        var scaleShift = spec.Normalization.ScaleAndShift();
        var channels = scaleShift.Length / 2;
        // One scale and one shift per channel, broadcast over the batch and each channel's plane; a unit normalisation is one for all.
        var scaled = graph.AddNode("Mul", "scale", [InputName, graph.AddConstant("input_scale", [1, channels, 1, 1], scaleShift[..channels])], "scaled");
        var values = graph.AddNode("Add", "shift", [scaled, graph.AddConstant("input_shift", [1, channels, 1, 1], scaleShift[channels..])], "normalised");
        // A model on rows of features reads the images flattened; a model on images flattens where its spec says.
        if (spec.Model.InputShape.IsFlat)
        {
            values = graph.AddNode("Flatten", "flatten", [values], "flatten.output", IntAttribute("axis", 1));
        }
        var outputs = new string[modelGraph.Nodes.Count + 1];
        outputs[0] = values;
        foreach (var node in modelGraph.Nodes)
        {
            var inputs = node.Inputs.Select(input => outputs[input.Node + 1]).ToArray();
            var output = node.Spec.EmitOnnx(new OnnxEmit(graph, modelGraph, node, inputs, byName));
            if (node.Fused is { } fused)
            {
                output = ActivationLayerSpec.Emit(graph, fused.Activation, fused.Module, output, $"{fused.Module}.output");
            }
            outputs[node.Index + 1] = output;
        }
        values = outputs[modelGraph.Output.Node + 1];
        // The loss took logits; a runtime's caller wants what Predictor gives: probabilities.
        if (spec.Model.Outputs == 1)
        {
            graph.AddNode("Sigmoid", "probability_of_label_1", [values], OutputName);
        }
        else
        {
            graph.AddNode("Softmax", "softmax", [values], OutputName, IntAttribute("axis", 1));
        }
        graph.AddOutput(OutputName, batch, Dimension.Fixed(spec.Model.Outputs));

        var model = new ModelProto
        {
            IrVersion = (long)Protobuf.Version.IrVersion,
            ProducerName = "descent",
            ProducerVersion = version,
            DocString = $"Descent {spec.Model.WidthsText} model trained on {spec.Dataset}: raw pixels [{BatchSymbol}, " +
                $"{string.Join(", ", spec.InputShape)}] in 0..255 -> class probabilities [{BatchSymbol}, {spec.Model.Outputs}]",
            Graph = graph.Graph,
        };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = Opset });
        model.MetadataProps.Add(Metadata(ModelWeights.SpecKey, spec.ToJson().ToJsonString()));
        model.MetadataProps.Add(Metadata(ModelWeights.VersionKey, version));
        return model;
    }

    /// <summary>Writes <paramref name="model"/> to <paramref name="path"/> atomically: an existing file is replaced whole or not at all.</summary>
    public static void Write(string path, ModelProto model) => AtomicFile.WriteAllBytes(path, model.ToByteArray());

    /// <summary>The spec's input shape must be the model's: channels, height and width of one image.</summary>
    private static void CheckInput(TrainingSpec spec, string source)
    {
        var model = spec.Model;
        if (spec.InputShape.Count != 3 || spec.InputFeatures != model.Inputs
            || (!model.InputShape.IsFlat && !spec.InputShape.SequenceEqual([model.InputShape.Channels, model.InputShape.Height, model.InputShape.Width])))
        {
            throw new InvalidInputException(
                $"{source}: its input shape [{string.Join(", ", spec.InputShape)}] is not channels, height and width " +
                $"of the model's input {model.InputShape}");
        }
    }

    private static StringStringEntryProto Metadata(string key, string value) => new() { Key = key, Value = value };
}
