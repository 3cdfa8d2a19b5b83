using System.Globalization;
using Descent.Engine.Files;
using Descent.Engine.Layers;
using Descent.Engine.Training;
using Descent.Kernels;

namespace Descent.Engine.Models;

/// <summary>
/// A model's weights as named tensors, named and shaped as PyTorch names those of an nn.Sequential: a
/// linear layer at module index i gives "i.weight" [out, in] and "i.bias" [out], a convolution "i.weight"
/// [out, in, kh, kw] and "i.bias" [out], and a hidden layer's activation is the module after it
/// (784-128-10: 0.weight, 0.bias, 2.weight, 2.bias). A model whose spec names its modules (--arch cnn:
/// conv1, conv2, fc1, fc2) uses those names instead. So `safetensors.torch.load_file` gives a plain state
/// dict that loads into the same PyTorch model, and back.
/// </summary>
public static class ModelWeights
{
    public const string SpecKey = "descent_spec";
    public const string VersionKey = "descent_version";

    /// <summary>The normalisation as older files recorded it, beside a spec without one: x = pixel * scale + shift.</summary>
    public const string ScaleKey = "input_scale";
    public const string ShiftKey = "input_shift";

    /// <summary>Every parameter of <paramref name="model"/> under its PyTorch name, read back from the device.</summary>
    public static IReadOnlyList<NamedTensor> Export(ComputeBackend backend, Sequential model) =>
        Named(model).Select(entry =>
        {
            var values = new float[entry.Parameter.Count];
            backend.Download(entry.Parameter.Value, values);
            return new NamedTensor(entry.Name, entry.Shape, values);
        }).ToList();

    /// <summary>
    /// Loads <paramref name="tensors"/> into <paramref name="model"/>'s parameters: every name the model
    /// has must be there with its shape, and nothing else; any difference is bad input naming it.
    /// </summary>
    public static void Import(ComputeBackend backend, Sequential model, IReadOnlyList<NamedTensor> tensors, string source)
    {
        var expected = Named(model);
        var byName = Check(expected.Select(entry => (entry.Name, entry.Shape)).ToList(), tensors, source, $"a {ModelText(model)} model");
        foreach (var (name, _, parameter) in expected)
        {
            backend.Upload<float>(parameter.Value, byName[name].Values);
        }
    }

    /// <summary>
    /// <paramref name="tensors"/> by name, once every name in <paramref name="expected"/> is there with its
    /// shape and nothing else is; any difference is bad input naming <paramref name="source"/> and the tensor.
    /// </summary>
    public static Dictionary<string, NamedTensor> Check(IReadOnlyList<(string Name, int[] Shape)> expected, IReadOnlyList<NamedTensor> tensors,
        string source, string modelText)
    {
        var byName = tensors.ToDictionary(tensor => tensor.Name);
        foreach (var (name, shape) in expected)
        {
            if (!byName.TryGetValue(name, out var tensor))
            {
                throw new InvalidInputException($"{source} has no tensor {name} [{string.Join(", ", shape)}], which the model needs");
            }
            if (!tensor.Shape.SequenceEqual(shape))
            {
                throw new InvalidInputException(
                    $"{source}: tensor {name} is [{string.Join(", ", tensor.Shape)}] but the model's is [{string.Join(", ", shape)}]");
            }
        }
        var extra = byName.Keys.Except(expected.Select(entry => entry.Name)).FirstOrDefault();
        if (extra is not null)
        {
            throw new InvalidInputException($"{source} holds tensor {extra}, which {modelText} does not have");
        }
        return byName;
    }

    /// <summary>Writes the weights as safetensors with the spec (its input normalisation included) and Descent's version as metadata.</summary>
    public static void Save(string path, ComputeBackend backend, Sequential model, TrainingSpec spec, string version)
    {
        var metadata = new Dictionary<string, string>
        {
            [SpecKey] = spec.ToJson().ToJsonString(),
            [VersionKey] = version,
        };
        SafeTensors.Write(path, Export(backend, model), metadata);
    }

    /// <summary>
    /// A model file Descent wrote: its training spec, input normalisation included (from the metadata), and its
    /// tensors. A file without Descent's metadata, or with metadata that does not parse, is bad input. An older
    /// file's spec has no normalisation: its input_scale and input_shift metadata stand for one.
    /// </summary>
    /// <remarks>A folder is read as a checkpoint folder: the model of the checkpoint its "latest" file names.</remarks>
    public static (TrainingSpec Spec, IReadOnlyList<NamedTensor> Tensors) ReadModel(string path)
    {
        if (Directory.Exists(path))
        {
            path = Checkpoints.CheckpointFolder.ModelFileOf(path);
        }
        var file = SafeTensors.Read(path);
        if (!file.Metadata.TryGetValue(SpecKey, out var specText))
        {
            throw new InvalidInputException($"{path} has no {SpecKey} metadata: it was not written by descent train --save");
        }
        System.Text.Json.Nodes.JsonNode? json;
        try
        {
            json = System.Text.Json.Nodes.JsonNode.Parse(specText);
        }
        catch (System.Text.Json.JsonException error)
        {
            throw new InvalidInputException($"{path}: its {SpecKey} metadata is not JSON ({error.Message})", error);
        }
        var spec = TrainingSpec.FromJson(json ?? throw new InvalidInputException($"{path}: its {SpecKey} metadata is empty"));
        if (json["normalization"] is null && file.Metadata.TryGetValue(ScaleKey, out var scale) && file.Metadata.TryGetValue(ShiftKey, out var shift))
        {
            if (!float.TryParse(scale, NumberStyles.Float, CultureInfo.InvariantCulture, out var scaleValue)
                || !float.TryParse(shift, NumberStyles.Float, CultureInfo.InvariantCulture, out var shiftValue))
            {
                throw new InvalidInputException($"{path}: its input normalisation ({scale}, {shift}) is not two numbers");
            }
            spec = spec with { Normalization = InputNormalization.FromScaleAndShift(scaleValue, shiftValue) };
        }
        return (spec, file.Tensors);
    }

    /// <summary>The parameters in model order with their PyTorch names and shapes.</summary>
    private static List<(string Name, int[] Shape, Parameter Parameter)> Named(Sequential model)
    {
        var named = new List<(string, int[], Parameter)>();
        var module = 0;
        foreach (var layer in model.Layers)
        {
            switch (layer)
            {
                case Layers.Linear linear:
                    var linearName = linear.ModuleName ?? module.ToString(CultureInfo.InvariantCulture);
                    named.Add(($"{linearName}.weight", [linear.Outputs, linear.Inputs], linear.Weight));
                    named.Add(($"{linearName}.bias", [linear.Outputs], linear.Bias));
                    // A fused activation is its own module in PyTorch's Sequential.
                    module += linear.Activation is null ? 1 : 2;
                    break;
                case Conv2d conv:
                    var convName = conv.ModuleName ?? module.ToString(CultureInfo.InvariantCulture);
                    named.Add(($"{convName}.weight", conv.WeightShape, conv.Weight));
                    named.Add(($"{convName}.bias", [conv.Shape.OutChannels], conv.Bias));
                    module += conv.Activation is null ? 1 : 2;
                    break;
                case { Parameters.Count: 0 }:
                    module++;
                    break;
                default:
                    throw new InvalidInputException($"a {layer.GetType().Name} layer has no PyTorch name for its parameters");
            }
        }
        return named;
    }

    private static string ModelText(Sequential model) => model.Layers.Any(layer => layer is not (Layers.Linear or ActivationLayer))
        ? $"{model.InputWidth}-input {string.Join(", ", model.Layers.Select(layer => layer.GetType().Name))}"
        : string.Join('-', model.Layers.OfType<Layers.Linear>().Select(linear => linear.Inputs).Append(model.OutputWidth));
}
