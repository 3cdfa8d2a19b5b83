using System.Text.Json.Nodes;
using Descent.Engine.Layers;
using Descent.Kernels;

namespace Descent.Engine.Models;

/// <summary>
/// One module of a model as a spec records it, in the order PyTorch's nn.Sequential would hold it (its
/// position is its module index, and so its parameters' names). Each kind knows its JSON form and the
/// width it turns an input of some width into; a new kind of layer (a convolution, a pooling) is one
/// more subclass here and one more case where models are built and named.
/// </summary>
public abstract record LayerSpec
{
    /// <summary>The "type" its JSON form carries.</summary>
    public abstract string Type { get; }

    /// <summary>Features out for <paramref name="inputs"/> features in.</summary>
    public abstract int Outputs(int inputs);

    public abstract JsonObject ToJson();

    /// <summary>Reads what <see cref="ToJson"/> wrote; an unknown type is bad input.</summary>
    public static LayerSpec FromJson(JsonNode json)
    {
        var type = json["type"]?.GetValue<string>() ?? throw new InvalidInputException("a layer of the model spec has no type");
        if (type == LinearLayerSpec.TypeName)
        {
            return new LinearLayerSpec(json["outputs"]!.GetValue<int>(), LinearInit.Parse(json["init"]!.GetValue<string>()));
        }
        return new ActivationLayerSpec(CliNames.Parse<Activation>(type, "activation"));
    }
}

/// <summary>A fully connected layer, PyTorch's nn.Linear: <paramref name="Width"/> outputs, weights started by <paramref name="Init"/>.</summary>
public sealed record LinearLayerSpec(int Width, LinearInit Init) : LayerSpec
{
    public const string TypeName = "linear";

    public override string Type => TypeName;

    public override int Outputs(int inputs) => Width;

    public override JsonObject ToJson() => new() { ["type"] = Type, ["outputs"] = Width, ["init"] = Init.Name };
}

/// <summary>An element-wise nonlinearity, PyTorch's nn.ReLU, nn.Sigmoid, ...: as many outputs as inputs.</summary>
public sealed record ActivationLayerSpec(Activation Activation) : LayerSpec
{
    public override string Type => CliNames.Of(Activation);

    public override int Outputs(int inputs) => inputs;

    public override JsonObject ToJson() => new() { ["type"] = Type };
}
