using System.Text.Json.Nodes;
using Descent.Engine.Models;
using Descent.Kernels;
using Xunit;

namespace Descent.Tests.Engine;

/// <summary>--layers' grammar: widths as before, conv nets token by token, and what it refuses; model specs through JSON.</summary>
public sealed class LayersGrammarTests
{
    [Theory]
    [InlineData("784-128-10", "784-128-relu-10")]
    [InlineData("784-10", "784-10")]
    [InlineData("1x28x28-conv32k3-relu-conv64k3-relu-maxpool2-dropout0.25-flatten-128-relu-dropout0.5-10",
        "1x28x28-conv32k3-relu-conv64k3-relu-maxpool2-dropout0.25-flatten-128-relu-dropout0.5-10")]
    [InlineData("1x28x28-conv8k5s2p2-flatten-10", "1x28x28-conv8k5s2p2-relu-flatten-10")]
    [InlineData("3x8x8-conv4k3-leaky-relu-maxpool3s1-flatten-16-tanh-2", "3x8x8-conv4k3-leaky-relu-maxpool3s1-flatten-16-tanh-2")]
    [InlineData("1x4x4-flatten-dropout0-3", "1x4x4-flatten-dropout0-3")]
    public void Valid_layers_parse_and_print_back(string text, string layersText)
    {
        var spec = ModelSpec.Parse(text, Activation.Relu, activationGiven: false);

        Assert.Equal(layersText, spec.LayersText);
        Assert.Equal(spec, ModelSpec.Parse(spec.LayersText, Activation.Relu, activationGiven: false));
    }

    [Fact]
    public void Widths_alone_take_the_activation_given_and_keep_the_mlp_json()
    {
        var spec = ModelSpec.Parse("784-128-10", Activation.Tanh, activationGiven: true);

        Assert.Equal(new ModelSpec([784, 128, 10], Activation.Tanh, Descent.Engine.Layers.LinearInit.PyTorchDefault), spec);
        Assert.Equal("784-128-10", spec.WidthsText);
        Assert.Equal("""{"inputs":784,"layers":[{"type":"linear","outputs":128,"init":"pytorch-default"},{"type":"tanh"},{"type":"linear","outputs":10,"init":"pytorch-default"}]}""",
            spec.ToJson().ToJsonString());
    }

    [Theory]
    [InlineData("1x28x28-conv4k3-relu-flatten-10", true, "--activation")]
    [InlineData("784", false, "at least an input and an output")]
    [InlineData("28x28-10", false, "starts with the input")]
    [InlineData("1x28x28-conv4k0-flatten-10", false, "is not a layer")]
    [InlineData("1x28x28-conv4-flatten-10", false, "is not a layer")]
    [InlineData("1x28x28-pool2-flatten-10", false, "is not a layer")]
    [InlineData("1x28x28-dropout1.5-flatten-10", false, "is not a layer")]
    [InlineData("1x28x28-conv4k3-10", false, "put flatten before it")]
    [InlineData("1x28x28-conv4k3", false, "at least one linear layer")]
    [InlineData("1x4x4-conv4k5-flatten-10", false, "kernel is larger")]
    [InlineData("1x4x4-maxpool5-flatten-10", false, "window is larger")]
    [InlineData("784-128-0", false, "is not a layer")]
    [InlineData("784--10", false, "is not a layer")]
    public void Invalid_layers_are_bad_input_saying_why(string text, bool activationGiven, string reason)
    {
        var error = Assert.Throws<InvalidInputException>(() => ModelSpec.Parse(text, Activation.Relu, activationGiven));

        Assert.Contains(reason, error.Message);
    }

    [Fact]
    public void A_conv_net_spec_round_trips_through_json_with_its_input_shape_and_module_names()
    {
        var spec = ModelSpec.Cnn(new FeatureShape(1, 28, 28), 10);

        var json = JsonNode.Parse(spec.ToJson().ToJsonString())!;
        var read = ModelSpec.FromJson(json);

        Assert.Equal(spec, read);
        Assert.Equal([1, 28, 28], json["input_shape"]!.AsArray().Select(size => size!.GetValue<int>()));
        Assert.Equal("conv1", json["layers"]![0]!["name"]!.GetValue<string>());
        Assert.Equal(0.25, json["layers"]![5]!["p"]!.GetValue<double>());
        Assert.Equal(10, read.Outputs);
        Assert.False(read.IsMlp);
    }
}
