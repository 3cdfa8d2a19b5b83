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
        var layers = Layers(spec, source);
        var byName = CheckTensors(layers, tensors, source);

        var graph = new OnnxGraphBuilder("descent");
        var batch = Dimension.Symbolic(BatchSymbol);
        graph.AddInput(InputName, [batch, .. spec.InputShape.Select(size => Dimension.Fixed(size))]);
        var scaleShift = spec.Normalization.ScaleAndShift();
        var channels = scaleShift.Length / 2;
        // One scale and one shift per channel, broadcast over the batch and each channel's plane; a unit normalisation is one for all.
        var scaled = graph.AddNode("Mul", "scale", [InputName, graph.AddConstant("input_scale", [1, channels, 1, 1], scaleShift[..channels])], "scaled");
        var values = graph.AddNode("Add", "shift", [scaled, graph.AddConstant("input_shift", [1, channels, 1, 1], scaleShift[channels..])], "normalised");
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
        model.MetadataProps.Add(Metadata(ModelWeights.VersionKey, version));
        return model;
    }

    /// <summary>Writes <paramref name="model"/> to <paramref name="path"/> atomically: an existing file is replaced whole or not at all.</summary>
    public static void Write(string path, ModelProto model) => AtomicFile.WriteAllBytes(path, model.ToByteArray());

    /// <summary>One step of the model as the exporter writes it; each kind emits its own nodes in <see cref="Emit"/>.</summary>
    private abstract record Layer;

    /// <summary>[N, C, H, W] -> [N, C*H*W]: where images become rows of features (an MLP's first step, or a spec's flatten).</summary>
    private sealed record FlattenLayer(string NodeName) : Layer;

    /// <summary>A layer with a weight and a bias under its module's name: "fc1.weight", or "0.weight" in an nn.Sequential.</summary>
    private abstract record WeightedLayer(string Module, int[] WeightShape, int Outputs) : Layer
    {
        public string WeightName => $"{Module}.weight";

        public string BiasName => $"{Module}.bias";
    }

    /// <summary>[N, in] -> [N, out], y = x W^T + b: PyTorch's nn.Linear.</summary>
    private sealed record LinearLayer(string Module, int Inputs, int Outputs) : WeightedLayer(Module, [Outputs, Inputs], Outputs);

    /// <summary>[N, C, H, W] -> [N, K, P, Q]: PyTorch's nn.Conv2d.</summary>
    private sealed record ConvLayer(string Module, Conv2dLayerSpec Conv, int InChannels)
        : WeightedLayer(Module, [Conv.OutChannels, InChannels, Conv.Kernel, Conv.Kernel], Conv.OutChannels);

    /// <summary>[N, C, H, W] -> [N, C, P, Q]: PyTorch's nn.MaxPool2d.</summary>
    private sealed record MaxPoolLayer(string Module, MaxPool2dLayerSpec Pool) : Layer;

    /// <summary>An elementwise nonlinearity, its own module in PyTorch's nn.Sequential.</summary>
    private sealed record ActivationLayer(int Module, Activation Activation) : Layer;

    /// <summary>
    /// The spec's model as layers, each numbered by its position in the spec, which is its module index in
    /// PyTorch's nn.Sequential and so the name of its weights (784-128-10: 0 linear, 1 activation, 2 linear)
    /// unless the spec names the module (fc1). Dropout is the identity at inference and emits nothing.
    /// </summary>
    private static List<Layer> Layers(TrainingSpec spec, string source)
    {
        var model = spec.Model;
        if (spec.InputShape.Count != 3 || spec.InputFeatures != model.Inputs
            || (!model.InputShape.IsFlat && !spec.InputShape.SequenceEqual([model.InputShape.Channels, model.InputShape.Height, model.InputShape.Width])))
        {
            throw new InvalidInputException(
                $"{source}: its input shape [{string.Join(", ", spec.InputShape)}] is not channels, height and width " +
                $"of the model's input {model.InputShape}");
        }
        // A model on rows of features reads the images flattened; a model on images flattens where its spec says.
        var layers = new List<Layer>();
        if (model.InputShape.IsFlat)
        {
            layers.Add(new FlattenLayer("flatten"));
        }
        for (var module = 0; module < model.Layers.Count; module++)
        {
            var input = model.Shapes[module];
            var name = model.Layers[module].Name ?? module.ToString(CultureInfo.InvariantCulture);
            switch (model.Layers[module])
            {
                case LinearLayerSpec linear:
                    layers.Add(new LinearLayer(name, (int)input.Features, linear.Width));
                    break;
                case Conv2dLayerSpec conv:
                    layers.Add(new ConvLayer(name, conv, input.Channels));
                    break;
                case MaxPool2dLayerSpec pool:
                    layers.Add(new MaxPoolLayer(name, pool));
                    break;
                case FlattenLayerSpec:
                    layers.Add(new FlattenLayer(name));
                    break;
                case ActivationLayerSpec activation:
                    layers.Add(new ActivationLayer(module, activation.Activation));
                    break;
                case DropoutLayerSpec:
                    break;
                case var other:
                    throw new InvalidInputException($"{source}: a {other.Type} layer has no ONNX export in Descent");
            }
        }
        return layers;
    }

    /// <summary>Every weight the layers need, by name, with its shape; nothing missing, misshapen or left over.</summary>
    private static Dictionary<string, NamedTensor> CheckTensors(List<Layer> layers, IReadOnlyList<NamedTensor> tensors, string source) =>
        ModelWeights.Check(layers.OfType<WeightedLayer>()
            .SelectMany(layer => new (string Name, int[] Shape)[]
            {
                (layer.WeightName, layer.WeightShape),
                (layer.BiasName, [layer.Outputs]),
            })
            .ToList(), tensors, source, "its model");

    /// <summary>Appends <paramref name="layer"/>'s nodes reading <paramref name="input"/>; returns the name of what they output.</summary>
    private static string Emit(OnnxGraphBuilder graph, Layer layer, string input, Dictionary<string, NamedTensor> tensors) => layer switch
    {
        FlattenLayer flatten => graph.AddNode("Flatten", flatten.NodeName, [input], $"{flatten.NodeName}.output", IntAttribute("axis", 1)),
        LinearLayer linear => graph.AddNode("Gemm", linear.Module, WeightedInputs(graph, linear, input, tensors), $"{linear.Module}.output",
            // The weight is stored [out, in] as PyTorch stores it; Gemm transposes it.
            IntAttribute("transB", 1)),
        ConvLayer conv => graph.AddNode("Conv", conv.Module, WeightedInputs(graph, conv, input, tensors), $"{conv.Module}.output",
            IntsAttribute("kernel_shape", conv.Conv.Kernel, conv.Conv.Kernel),
            IntsAttribute("strides", conv.Conv.Stride, conv.Conv.Stride),
            IntsAttribute("pads", conv.Conv.Padding, conv.Conv.Padding, conv.Conv.Padding, conv.Conv.Padding)),
        MaxPoolLayer pool => graph.AddNode("MaxPool", pool.Module, [input], $"{pool.Module}.output",
            IntsAttribute("kernel_shape", pool.Pool.Kernel, pool.Pool.Kernel),
            IntsAttribute("strides", pool.Pool.Stride, pool.Pool.Stride)),
        ActivationLayer activation => EmitActivation(graph, activation, input),
        _ => throw new ArgumentOutOfRangeException(nameof(layer), layer, "a layer kind the exporter does not know"),
    };

    private static string[] WeightedInputs(OnnxGraphBuilder graph, WeightedLayer layer, string input, Dictionary<string, NamedTensor> tensors) =>
    [
        input,
        graph.AddConstant(layer.WeightName, tensors[layer.WeightName].Shape, tensors[layer.WeightName].Values),
        graph.AddConstant(layer.BiasName, tensors[layer.BiasName].Shape, tensors[layer.BiasName].Values),
    ];

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
