using System.Globalization;
using Descent.Engine.Files;
using Descent.Engine.Models;
using Descent.Engine.Onnx.Protobuf;
using Descent.Engine.Training;
using Descent.Kernels;
using Google.Protobuf;
using static Descent.Engine.Onnx.OnnxGraphBuilder;

namespace Descent.Engine.Onnx;

/// <summary>
/// A saved model as an ONNX graph (opset 17) that computes what <see cref="Predictor"/> computes, from raw
/// pixels: input "pixels" [N, C, H, W] float in 0..255, Descent's normalisation (pixel * scale + shift),
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
    public static ModelProto Build(TrainingSpec spec, InputScaling scaling, IReadOnlyList<NamedTensor> tensors, string version, string source)
    {
        var layers = Layers(spec, source);
        var byName = CheckTensors(layers, tensors, source);

        var graph = new OnnxGraphBuilder("descent");
        var batch = Dimension.Symbolic(BatchSymbol);
        graph.AddInput(InputName, [batch, .. spec.InputShape.Select(size => Dimension.Fixed(size))]);
        var scaled = graph.AddNode("Mul", "scale", [InputName, graph.AddConstant("input_scale", [], [scaling.Scale])], "scaled");
        var values = graph.AddNode("Add", "shift", [scaled, graph.AddConstant("input_shift", [], [scaling.Shift])], "normalised");
        foreach (var layer in layers)
        {
            values = Emit(graph, layer, values, byName);
        }
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
        model.MetadataProps.Add(Metadata(ModelWeights.ScaleKey, scaling.Scale.ToString("R", CultureInfo.InvariantCulture)));
        model.MetadataProps.Add(Metadata(ModelWeights.ShiftKey, scaling.Shift.ToString("R", CultureInfo.InvariantCulture)));
        model.MetadataProps.Add(Metadata(ModelWeights.VersionKey, version));
        return model;
    }

    /// <summary>Writes <paramref name="model"/> to <paramref name="path"/> atomically: an existing file is replaced whole or not at all.</summary>
    public static void Write(string path, ModelProto model) => AtomicFile.WriteAllBytes(path, model.ToByteArray());

    /// <summary>One step of the model as the exporter writes it; each kind emits its own nodes in <see cref="Emit"/>.</summary>
    private abstract record Layer;

    /// <summary>[N, C, H, W] -> [N, C*H*W]: where images become rows of features.</summary>
    private sealed record FlattenLayer : Layer;

    /// <summary>[N, in] -> [N, out], y = x W^T + b: PyTorch's nn.Linear at index <paramref name="Module"/> of the nn.Sequential.</summary>
    private sealed record LinearLayer(int Module, int Inputs, int Outputs) : Layer
    {
        public string WeightName => $"{Module}.weight";

        public string BiasName => $"{Module}.bias";
    }

    /// <summary>An elementwise nonlinearity, its own module in PyTorch's nn.Sequential.</summary>
    private sealed record ActivationLayer(int Module, Activation Activation) : Layer;

    /// <summary>
    /// The spec's model as layers, each numbered by its position in the spec, which is its module index in
    /// PyTorch's nn.Sequential and so the name of its weights (784-128-10: 0 linear, 1 activation, 2 linear).
    /// </summary>
    private static List<Layer> Layers(TrainingSpec spec, string source)
    {
        if (spec.InputShape.Count != 3 || spec.InputFeatures != spec.Model.Inputs)
        {
            throw new InvalidInputException(
                $"{source}: its input shape [{string.Join(", ", spec.InputShape)}] is not channels, height and width " +
                $"of {spec.Model.Inputs} pixels, the model's input width");
        }
        var layers = new List<Layer> { new FlattenLayer() };
        var width = spec.Model.Inputs;
        for (var module = 0; module < spec.Model.Layers.Count; module++)
        {
            layers.Add(spec.Model.Layers[module] switch
            {
                LinearLayerSpec linear => new LinearLayer(module, width, linear.Width),
                ActivationLayerSpec activation => new ActivationLayer(module, activation.Activation),
                var other => throw new InvalidInputException($"{source}: a {other.Type} layer has no ONNX export in Descent"),
            });
            width = spec.Model.Layers[module].Outputs(width);
        }
        return layers;
    }

    /// <summary>Every weight the layers need, by name, with its shape; nothing missing, misshapen or left over.</summary>
    private static Dictionary<string, NamedTensor> CheckTensors(List<Layer> layers, IReadOnlyList<NamedTensor> tensors, string source) =>
        ModelWeights.Check(layers.OfType<LinearLayer>()
            .SelectMany(linear => new (string Name, int[] Shape)[]
            {
                (linear.WeightName, [linear.Outputs, linear.Inputs]),
                (linear.BiasName, [linear.Outputs]),
            })
            .ToList(), tensors, source, "its model");

    /// <summary>Appends <paramref name="layer"/>'s nodes reading <paramref name="input"/>; returns the name of what they output.</summary>
    private static string Emit(OnnxGraphBuilder graph, Layer layer, string input, Dictionary<string, NamedTensor> tensors) => layer switch
    {
        FlattenLayer => graph.AddNode("Flatten", "flatten", [input], "features", IntAttribute("axis", 1)),
        LinearLayer linear => graph.AddNode("Gemm", linear.Module.ToString(CultureInfo.InvariantCulture),
            [
                input,
                graph.AddConstant(linear.WeightName, tensors[linear.WeightName].Shape, tensors[linear.WeightName].Values),
                graph.AddConstant(linear.BiasName, tensors[linear.BiasName].Shape, tensors[linear.BiasName].Values),
            ],
            $"{linear.Module}.output",
            // The weight is stored [out, in] as PyTorch stores it; Gemm transposes it.
            IntAttribute("transB", 1)),
        ActivationLayer activation => EmitActivation(graph, activation, input),
        _ => throw new ArgumentOutOfRangeException(nameof(layer), layer, "a layer kind the exporter does not know"),
    };

    private static string EmitActivation(OnnxGraphBuilder graph, ActivationLayer layer, string input)
    {
        var nodeName = layer.Module.ToString(CultureInfo.InvariantCulture);
        var output = $"{layer.Module}.output";
        return layer.Activation switch
        {
            Activation.Relu => graph.AddNode("Relu", nodeName, [input], output),
            Activation.Sigmoid => graph.AddNode("Sigmoid", nodeName, [input], output),
            Activation.Tanh => graph.AddNode("Tanh", nodeName, [input], output),
            // Every backend's leaky ReLU uses PyTorch's default negative slope.
            Activation.LeakyRelu => graph.AddNode("LeakyRelu", nodeName, [input], output, FloatAttribute("alpha", 0.01f)),
            _ => throw new InvalidInputException($"the activation {CliNames.Of(layer.Activation)} has no ONNX operator in Descent's exporter"),
        };
    }

    private static StringStringEntryProto Metadata(string key, string value) => new() { Key = key, Value = value };
}
