using System.Text.Json.Nodes;
using Descent.Engine.Layers;
using Descent.Engine.Models;
using Descent.Kernels;
using Descent.Tests.Host;
using Xunit;

namespace Descent.Tests.Engine;

/// <summary>
/// --layers' grammar: widths as before, conv nets token by token, residual blocks (identity and projection,
/// nested, on rows and on images), and what it refuses; model specs through JSON.
/// </summary>
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
    [InlineData("1x8x8-conv4k3p1nb-relu-conv4k3s2nb-relu-gap-flatten-10", "1x8x8-conv4k3p1nb-relu-conv4k3s2nb-relu-gap-flatten-10")]
    [InlineData("1x8x8-conv4k3nb-gap-flatten-10", "1x8x8-conv4k3nb-relu-gap-flatten-10")]
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
    [InlineData("1x8x8-conv4k3bn-flatten-10", false, "is not a layer")]
    [InlineData("1x8x8-conv4k3-gap2-flatten-10", false, "is not a layer")]
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

    /// <summary>
    /// A convolution without bias writes "bias": false and declares only its weight; one with a bias writes no "bias",
    /// so a spec from before the field reads as it did; gap is its type alone.
    /// </summary>
    [Fact]
    public void A_conv_without_bias_and_gap_round_trip_through_json_and_an_old_conv_spec_keeps_its_bias()
    {
        var spec = ModelSpec.Parse("1x8x8-conv4k3p1nb-relu-conv6k3p1-relu-gap-flatten-10", Activation.Relu, activationGiven: false);

        var json = JsonNode.Parse(spec.ToJson().ToJsonString())!;
        var read = ModelSpec.FromJson(json);

        Assert.Equal(spec, read);
        Assert.False(json["layers"]![0]!["bias"]!.GetValue<bool>());
        Assert.Null(json["layers"]![2]!["bias"]);
        Assert.Equal("global_avg_pool", json["layers"]![4]!["type"]!.GetValue<string>());
        Assert.Equal(["weight"], read.Layers[0].Tensors(new FeatureShape(1, 8, 8)).Select(tensor => tensor.Name));
        Assert.Equal(["weight", "bias"], read.Layers[2].Tensors(new FeatureShape(4, 8, 8)).Select(tensor => tensor.Name));
        Assert.Equal(new FeatureShape(6, 1, 1), read.Layers[4].OutputShape(new FeatureShape(6, 8, 8)));
        Assert.True(((Conv2dLayerSpec)read.Layers[2]).Bias);
    }

    /// <summary>The blocks of the README's residual net, on rows, nested, and around an activation whose name holds '-'.</summary>
    [Theory]
    [InlineData("1x28x28-conv8k3s2p1-relu-res(conv8k3p1-relu-conv8k3p1)-relu-res(conv16k3s2p1-relu-conv16k3p1+conv16k1s2)-relu-flatten-10")]
    [InlineData("8-res(8-tanh-8+8)-res(6-relu-8+8)-3")]
    [InlineData("16-res(16-tanh-res(16-tanh-16)-16)-4")]
    [InlineData("1x6x6-conv2k3p1-leaky-relu-res(conv2k3p1-leaky-relu-conv2k3p1)-leaky-relu-flatten-3")]
    public void Residual_blocks_parse_print_back_and_round_trip_through_json(string text)
    {
        var spec = ModelSpec.Parse(text, Activation.Relu, activationGiven: false);

        Assert.Equal(text, spec.LayersText);
        Assert.Equal(spec, ModelSpec.Parse(spec.LayersText, Activation.Relu, activationGiven: false));
        Assert.Equal(spec, ModelSpec.FromJson(JsonNode.Parse(spec.ToJson().ToJsonString())!));
        Assert.Contains(spec.Layers, layer => layer is ResidualLayerSpec);
    }

    [Fact]
    public void A_residual_spec_is_json_of_its_body_and_shortcut_and_names_tensors_as_pytorchs_module_tree()
    {
        var spec = ModelSpec.Parse("1x4x4-conv2k3p1-res(conv2k3p1-relu-conv2k3p1)-res(conv3k3s2p1+conv3k1s2)-flatten-5",
            Activation.Relu, activationGiven: false);

        var json = spec.ToJson();

        Assert.Equal("""{"type":"residual","body":[{"type":"conv2d","out_channels":2,"kernel":3,"stride":1,"padding":1},{"type":"relu"},""" +
            """{"type":"conv2d","out_channels":2,"kernel":3,"stride":1,"padding":1}],"shortcut":[]}""",
            json["layers"]![1]!.ToJsonString());
        Assert.Equal("""[{"type":"conv2d","out_channels":3,"kernel":1,"stride":2,"padding":0}]""",
            json["layers"]![2]!["shortcut"]!.ToJsonString());
        Assert.Equal(["0.weight", "0.bias", "1.body.0.weight", "1.body.0.bias", "1.body.2.weight", "1.body.2.bias",
            "2.body.0.weight", "2.body.0.bias", "2.shortcut.0.weight", "2.shortcut.0.bias", "4.weight", "4.bias"],
            spec.Graph.Tensors.Select(tensor => tensor.Name));
        Assert.Equal(new FeatureShape(3, 2, 2), spec.Shapes[3]);
        // A block written by hand without "shortcut" is the identity.
        var identity = JsonNode.Parse("""{"inputs":3,"layers":[{"type":"residual","body":[{"type":"linear","outputs":3,"init":"pytorch-default"}]},""" +
            """{"type":"linear","outputs":2,"init":"pytorch-default"}]}""")!;
        Assert.Equal(ModelSpec.Parse("3-res(3)-2", Activation.Relu, activationGiven: false), ModelSpec.FromJson(identity));
    }

    [Theory]
    [InlineData("1x8x8-conv4k3p1-res(conv4k3p1-flatten-10", "opens a parenthesis it never closes")]
    [InlineData("1x8x8-conv4k3p1-res(conv4k3p1))-flatten-10", "closes a parenthesis it never opened")]
    [InlineData("1x8x8-conv4k3p1-res()-flatten-10", "res() has no layers in its body")]
    [InlineData("1x8x8-conv4k3p1-res(+conv4k1)-flatten-10", "res(+conv4k1) has no layers in its body")]
    [InlineData("1x8x8-conv4k3p1-res(conv4k3p1+)-flatten-10", "res(conv4k3p1+) has no layers in its shortcut")]
    [InlineData("1x8x8-conv4k3p1-res(conv8k3p1)-flatten-10", "adds a 8x8x8 body to a 4x8x8 shortcut: the two must have one shape (a projection such as conv8k1 matches")]
    [InlineData("1x7x7-conv4k3p1-res(conv8k3s2p1)-flatten-10", "adds a 8x4x4 body to a 4x7x7 shortcut: the two must have one shape (a projection such as conv8k1s2 matches")]
    [InlineData("1x8x8-conv4k3p1-res(conv8k3s2p1+conv8k1)-flatten-10", "adds a 8x4x4 body to a 8x8x8 shortcut")]
    [InlineData("784-res(30-relu-30)-10", "adds a 30 body to a 784 shortcut: the two must have one shape (a projection such as 30 matches")]
    [InlineData("1x8x8-conv4k3p1-res(conv4k3p1-pool2)-flatten-10", "'pool2' in --layers")]
    public void A_bad_residual_block_exits_2_with_one_line_saying_why(string layers, string reason) =>
        // Refused while parsing, before the data folder is looked at: the folder named here does not exist.
        CommandLine.AssertOneLineError(CommandLine.Run("train", "--layers", layers, "--data-dir", "/nonexistent-descent-data", "--epochs", "1"), 2, reason);
}
