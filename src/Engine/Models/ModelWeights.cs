using System.Globalization;
using Descent.Engine.Files;
using Descent.Engine.Layers;
using Descent.Engine.Training;
using Descent.Kernels;

namespace Descent.Engine.Models;

/// <summary>
/// A model's tensors under the names PyTorch gives them: each node of the model's graph declares its tensors
/// within its module (<see cref="LayerSpec.Tensors"/>), and its module path prefixes them. A stack is an
/// nn.Sequential: a linear layer at index i gives "i.weight" [out, in] and "i.bias" [out], and a hidden layer's
/// activation is the module after it (784-128-10: 0.weight, 0.bias, 2.weight, 2.bias). A model whose spec names
/// its modules (--arch cnn: conv1, conv2, fc1, fc2) uses those names; a residual block at index i holds its
/// layers under "i.body.j" and "i.shortcut.j". So `safetensors.torch.load_file` gives a plain state dict that
/// loads into the same PyTorch module tree, and back. State that is saved but not trained is saved with the
/// parameters, in its own element type.
/// </summary>
public static class ModelWeights
{
    public const string SpecKey = "descent_spec";
    public const string VersionKey = "descent_version";

    /// <summary>The normalisation as older files recorded it, beside a spec without one: x = pixel * scale + shift.</summary>
    public const string ScaleKey = "input_scale";
    public const string ShiftKey = "input_shift";

    /// <summary>Every tensor of <paramref name="model"/> (parameters and state) under its PyTorch name, read back from the device.</summary>
    public static IReadOnlyList<NamedTensor> Export(ComputeBackend backend, Network model)
    {
        var byName = model.Parameters.ToDictionary(parameter => parameter.Name);
        var states = model.State.ToDictionary(state => state.Name);
        return model.Graph.Tensors.Select(entry =>
        {
            if (entry.Tensor.Element == TensorElement.Int64)
            {
                return NamedTensor.OfIntegers(entry.Name, entry.Tensor.Shape, (long[])states[entry.Name].Counters!.Clone());
            }
            var values = new float[entry.Tensor.Count];
            backend.Download(entry.Tensor.Role == TensorRole.Parameter ? byName[entry.Name].Value : states[entry.Name].Values!, values);
            return new NamedTensor(entry.Name, entry.Tensor.Shape, values);
        }).ToList();
    }

    /// <summary>
    /// Loads <paramref name="tensors"/> into <paramref name="model"/>'s parameters and state: every name the
    /// model has must be there with its shape and element type, and nothing else; any difference is bad input naming it.
    /// </summary>
    public static void Import(ComputeBackend backend, Network model, IReadOnlyList<NamedTensor> tensors, string source)
    {
        var byName = Check(Expected(model.Graph), tensors, source, $"a {ModelText(model.Graph)} model");
        foreach (var parameter in model.Parameters)
        {
            backend.Upload<float>(parameter.Value, byName[parameter.Name].Values);
        }
        foreach (var state in model.State)
        {
            if (state.Counters is { } counters)
            {
                byName[state.Name].Integers!.CopyTo(counters, 0);
            }
            else
            {
                backend.Upload<float>(state.Values!, byName[state.Name].Values);
            }
        }
    }

    /// <summary>Every tensor a model of <paramref name="graph"/> holds: its name, shape and safetensors dtype.</summary>
    public static IReadOnlyList<(string Name, int[] Shape, string DType)> Expected(ModelGraph graph) =>
        graph.Tensors.Select(entry => (entry.Name, entry.Tensor.Shape, entry.Tensor.Element == TensorElement.Int64 ? "I64" : "F32")).ToList();

    /// <summary>
    /// <paramref name="tensors"/> by name, once every name in <paramref name="expected"/> is there with its
    /// shape and element type and nothing else is; any difference is bad input naming <paramref name="source"/> and the tensor.
    /// </summary>
    public static Dictionary<string, NamedTensor> Check(IReadOnlyList<(string Name, int[] Shape, string DType)> expected,
        IReadOnlyList<NamedTensor> tensors, string source, string modelText)
    {
        var byName = tensors.ToDictionary(tensor => tensor.Name);
        foreach (var (name, shape, dtype) in expected)
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
            if (tensor.DType != dtype)
            {
                throw new InvalidInputException($"{source}: tensor {name} is {tensor.DType} but the model's is {dtype}");
            }
        }
        var extra = byName.Keys.Except(expected.Select(entry => entry.Name)).FirstOrDefault();
        if (extra is not null)
        {
            throw new InvalidInputException($"{source} holds tensor {extra}, which {modelText} does not have");
        }
        return byName;
    }

    /// <summary>
    /// Refuses tensors holding NaN or an infinity, naming the first such tensor, its first bad element (by
    /// position in each dimension) and how many there are. Such weights (a diverged run's, saved by another
    /// tool) make every output NaN: training would run an epoch only to stop as "diverged", prediction would
    /// rank NaN. So they are bad input, found when the file is read, before any data or device is touched.
    /// </summary>
    public static void RefuseNonFinite(IReadOnlyList<NamedTensor> tensors, string source)
    {
        foreach (var tensor in tensors)
        {
            var values = tensor.Values;
            var first = Array.FindIndex(values, value => !float.IsFinite(value));
            if (first < 0)
            {
                continue;
            }
            var count = values.Count(value => !float.IsFinite(value));
            var value = values[first];
            var what = float.IsNaN(value) ? "NaN" : value > 0 ? "+infinity" : "-infinity";
            var others = count > 1 ? $" (and {count - 1} more non-finite values)" : "";
            throw new InvalidInputException(
                $"{source}: tensor {tensor.Name} holds {what} at [{string.Join(", ", Position(first, tensor.Shape))}]{others}; weights must be finite numbers");
        }
    }

    /// <summary>The row-major flat index <paramref name="flat"/> as a position in each dimension of <paramref name="shape"/>.</summary>
    private static int[] Position(int flat, IReadOnlyList<int> shape)
    {
        var position = new int[Math.Max(shape.Count, 1)];
        for (var dimension = shape.Count - 1; dimension >= 0; dimension--)
        {
            position[dimension] = flat % shape[dimension];
            flat /= shape[dimension];
        }
        if (shape.Count == 0)
        {
            position[0] = flat;
        }
        return position;
    }

    /// <summary>Writes the weights as safetensors with the spec (its input normalisation included) and Descent's version as metadata.</summary>
    public static void Save(string path, ComputeBackend backend, Network model, TrainingSpec spec, string version)
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
    /// <param name="notice">Told in one line when a checkpoint folder's "latest" is passed over for its newest checkpoint.</param>
    public static (TrainingSpec Spec, IReadOnlyList<NamedTensor> Tensors) ReadModel(string path, Action<string>? notice = null)
    {
        if (Directory.Exists(path))
        {
            path = Checkpoints.CheckpointFolder.ModelFileOf(path, notice);
        }
        var file = SafeTensors.Read(path);
        RefuseNonFinite(file.Tensors, path);
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

    private static string ModelText(ModelGraph graph) => graph.Nodes.Any(node => node.Spec is not (LinearLayerSpec or ActivationLayerSpec))
        ? $"{graph.Input}-input {string.Join("-", graph.Nodes.Select(node => node.Spec.Token))}"
        : string.Join('-', graph.Nodes.Where(node => node.Spec is LinearLayerSpec).Select(node => node.InputShape.Features).Append(graph.Output.Shape.Features));
}
