using System.Text.Json.Nodes;
using Descent.Engine.Layers;
using Descent.Engine.Models;
using Descent.Kernels;
using Xunit;

namespace Descent.Tests.Engine;

/// <summary>
/// --arch resnet's model: its state dict is torchvision's ResNet's for the same tree (names, order, shapes, element types),
/// its initial values are torchvision's init, its post-sum ReLU is where BasicBlock.forward has it, and depths outside
/// 6n + 2 are refused.
/// </summary>
public sealed class ResnetModelTests
{
    private static readonly FeatureShape Digits = new(1, 28, 28);

    /// <summary>
    /// torchvision's module tree for a CIFAR ResNet-8 (one BasicBlock per stage) on one-channel images and 10 classes, written out
    /// from `ResNet.state_dict()`: conv1, bn1, layer1.0, layer2.0 with its downsample, layer3.0 with its downsample, fc.
    /// </summary>
    private static readonly (string Name, int[] Shape)[] TorchvisionDepth8 =
    [
        ("conv1.weight", [16, 1, 3, 3]), .. Norm("bn1", 16),
        ("layer1.0.conv1.weight", [16, 16, 3, 3]), .. Norm("layer1.0.bn1", 16),
        ("layer1.0.conv2.weight", [16, 16, 3, 3]), .. Norm("layer1.0.bn2", 16),
        ("layer2.0.conv1.weight", [32, 16, 3, 3]), .. Norm("layer2.0.bn1", 32),
        ("layer2.0.conv2.weight", [32, 32, 3, 3]), .. Norm("layer2.0.bn2", 32),
        ("layer2.0.downsample.0.weight", [32, 16, 1, 1]), .. Norm("layer2.0.downsample.1", 32),
        ("layer3.0.conv1.weight", [64, 32, 3, 3]), .. Norm("layer3.0.bn1", 64),
        ("layer3.0.conv2.weight", [64, 64, 3, 3]), .. Norm("layer3.0.bn2", 64),
        ("layer3.0.downsample.0.weight", [64, 32, 1, 1]), .. Norm("layer3.0.downsample.1", 64),
        ("fc.weight", [10, 64]), ("fc.bias", [10]),
    ];

    /// <summary>A BatchNorm2d's state dict entries, in torchvision's order.</summary>
    private static (string, int[])[] Norm(string module, int channels) =>
    [
        ($"{module}.weight", [channels]), ($"{module}.bias", [channels]), ($"{module}.running_mean", [channels]),
        ($"{module}.running_var", [channels]), ($"{module}.num_batches_tracked", []),
    ];

    [Fact]
    public void Depth_8_holds_torchvisions_state_dict_in_its_order_with_its_shapes_and_element_types()
    {
        var tensors = ModelSpec.Resnet(Digits, 10, 8).Graph.Tensors;

        Assert.Equal(TorchvisionDepth8.Select(entry => entry.Name), tensors.Select(entry => entry.Name));
        Assert.Equal(TorchvisionDepth8.Select(entry => entry.Shape), tensors.Select(entry => entry.Tensor.Shape));
        Assert.All(tensors, entry => Assert.Equal(entry.Name.EndsWith("num_batches_tracked", StringComparison.Ordinal)
            ? TensorElement.Int64 : TensorElement.Float32, entry.Tensor.Element));
        Assert.All(tensors, entry => Assert.Equal(entry.Name.Contains("running_", StringComparison.Ordinal)
            || entry.Name.EndsWith("num_batches_tracked", StringComparison.Ordinal) ? TensorRole.State : TensorRole.Parameter, entry.Tensor.Role));
    }

    /// <summary>
    /// Depth 20 is depth 8 with two more blocks per stage: each further block of a stage is its first block without the
    /// downsample, taking the stage's channels in (its conv1 is shaped as the first block's conv2).
    /// </summary>
    [Fact]
    public void Depth_20_adds_two_blocks_per_stage_shaped_as_each_stages_first_without_its_downsample()
    {
        var expected = new List<(string Name, int[] Shape)>();
        foreach (var (entry, index) in TorchvisionDepth8.Select((entry, index) => (entry, index)))
        {
            expected.Add(entry);
            var stage = entry.Name.StartsWith("layer", StringComparison.Ordinal) ? entry.Name[..8] : null;
            var lastOfBlock = stage is not null && (index + 1 == TorchvisionDepth8.Length || !TorchvisionDepth8[index + 1].Name.StartsWith(stage, StringComparison.Ordinal));
            if (!lastOfBlock)
            {
                continue;
            }
            var firstBlock = TorchvisionDepth8.Where(e => e.Name.StartsWith(stage!, StringComparison.Ordinal) && !e.Name.Contains("downsample")).ToList();
            var conv2Shape = firstBlock.Single(e => e.Name.EndsWith("conv2.weight", StringComparison.Ordinal)).Shape;
            foreach (var block in new[] { 1, 2 })
            {
                expected.AddRange(firstBlock.Select(e => (stage![..^1] + block + e.Name[8..], e.Name.EndsWith("conv1.weight", StringComparison.Ordinal) ? conv2Shape : e.Shape)));
            }
        }

        var tensors = ModelSpec.Resnet(Digits, 10, 20).Graph.Tensors;

        Assert.Equal(expected.Select(entry => entry.Name), tensors.Select(entry => entry.Name));
        Assert.Equal(expected.Select(entry => entry.Shape), tensors.Select(entry => entry.Tensor.Shape));
        // Twenty weighted layers, 19 3x3 convolutions and fc, and the two projections beside them.
        Assert.Equal(19, tensors.Count(entry => entry.Tensor.Shape is [_, _, 3, 3]));
        Assert.Equal(2, tensors.Count(entry => entry.Tensor.Shape is [_, _, 1, 1]));
    }

    [Theory]
    [InlineData(1, 28, 28, 7, 7)]
    [InlineData(3, 32, 32, 8, 8)]
    [InlineData(3, 5, 9, 2, 3)]
    public void Any_input_shape_pools_64_channels_into_the_linear_layer(int channels, int height, int width, int lastHeight, int lastWidth)
    {
        var model = ModelSpec.Resnet(new FeatureShape(channels, height, width), 10, 14);

        Assert.Equal([16, channels, 3, 3], model.Graph.Tensors.First().Tensor.Shape);
        Assert.Equal([10, 64], model.Graph.Tensors.Single(entry => entry.Name == "fc.weight").Tensor.Shape);
        // Two stride-2 stages: ceil(ceil(n / 2) / 2) of n positions.
        Assert.Equal(new FeatureShape(64, lastHeight, lastWidth), model.Graph.Nodes.Last(node => node.Spec is AddLayerSpec).OutputShape);
        Assert.Equal(10, model.Outputs);
    }

    /// <summary>BasicBlock.forward: bn2's output is added to the shortcut, and the ReLU comes after the sum, never before it.</summary>
    [Fact]
    public void Each_block_adds_bn2_to_its_shortcut_and_its_relu_follows_the_sum()
    {
        var graph = ModelSpec.Resnet(Digits, 10, 14).Graph;
        var adds = graph.Nodes.Where(node => node.Spec is AddLayerSpec).ToList();

        Assert.Equal(6, adds.Count);
        foreach (var add in adds)
        {
            var body = graph.Nodes[add.Inputs[0].Node];
            Assert.Equal($"{add.Module}.bn2", body.Module);
            // The shortcut is the downsample's batch normalisation where there is one, else what the block reads.
            var blockInput = graph.Nodes.Single(node => node.Module == $"{add.Module}.conv1").Inputs[0].Node;
            var downsample = graph.Nodes.SingleOrDefault(node => node.Module == $"{add.Module}.downsample.1");
            Assert.Equal(downsample?.Index ?? blockInput, add.Inputs[1].Node);
            var reader = Assert.Single(graph.Nodes, node => node.Inputs.Any(input => input.Node == add.Index));
            Assert.Equal(new ActivationLayerSpec(Activation.Relu), reader.Spec with { Name = null });
        }
    }

    [Fact]
    public void Convolutions_start_kaiming_normal_over_the_fan_out_batch_norm_at_one_and_zero_fc_at_pytorchs_default()
    {
        var graph = ModelSpec.Resnet(Digits, 10, 8).Graph;
        var random = new Random(3);
        var values = graph.Tensors.ToDictionary(entry => entry.Name, entry => entry.Tensor.Initial(random));

        foreach (var (name, shape) in TorchvisionDepth8.Where(entry => entry.Shape.Length == 4 && entry.Shape.Aggregate(1, (a, b) => a * b) >= 4608))
        {
            // N(0, 2 / fan_out), fan_out = out channels x kernel area; 4608 draws or more pin the deviation to about 1% (one standard error).
            var expected = Math.Sqrt(2.0 / (shape[0] * shape[2] * shape[3]));
            var drawn = values[name];
            var mean = drawn.Average(value => (double)value);
            var deviation = Math.Sqrt(drawn.Average(value => (value - mean) * (value - mean)));
            Assert.True(Math.Abs(mean) < 0.06 * expected, $"{name}: mean {mean} for a deviation of {expected}");
            Assert.True(Math.Abs(deviation / expected - 1) < 0.06, $"{name}: deviation {deviation}, torchvision's {expected}");
        }
        Assert.All(values.Where(entry => entry.Key.EndsWith("bn1.weight", StringComparison.Ordinal)), entry => Assert.All(entry.Value, value => Assert.Equal(1f, value)));
        Assert.All(values.Where(entry => entry.Key.EndsWith("bn2.bias", StringComparison.Ordinal)), entry => Assert.All(entry.Value, value => Assert.Equal(0f, value)));
        Assert.All(values["layer2.0.downsample.1.running_var"], value => Assert.Equal(1f, value));
        // nn.Linear(64, 10): uniform within 1 / sqrt(64), and spread over that range.
        Assert.All(values["fc.weight"], value => Assert.InRange(value, -0.125f, 0.125f));
        Assert.True(values["fc.weight"].Max() - values["fc.weight"].Min() > 0.2f);
    }

    [Fact]
    public void The_model_round_trips_through_its_json_form_with_the_module_names_and_the_init()
    {
        var model = ModelSpec.Resnet(Digits, 10, 8);

        var read = ModelSpec.FromJson(JsonNode.Parse(model.ToJson().ToJsonString())!);

        Assert.Equal(model, read);
        Assert.Equal(model.Graph.Tensors.Select(entry => entry.Name), read.Graph.Tensors.Select(entry => entry.Name));
        var block = Assert.IsType<ResidualLayerSpec>(read.Layers.First(layer => layer is ResidualLayerSpec { Shortcut.Count: > 0 }));
        Assert.Equal(("", "downsample"), (block.BodyModule, block.ShortcutModule));
        Assert.Equal(ConvInit.KaimingNormalFanOut, Assert.IsType<Conv2dLayerSpec>(read.Layers[0]).Init);
        // Another block, the same but for the names, is another model.
        Assert.NotEqual(model, new ModelSpec(Digits, model.Layers.Select(layer => layer is ResidualLayerSpec residual ? residual with { ShortcutModule = "shortcut" } : layer).ToArray()));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(2)]
    [InlineData(7)]
    [InlineData(9)]
    [InlineData(21)]
    [InlineData(-4)]
    public void A_depth_outside_6n_plus_2_is_refused_saying_the_rule(int depth)
    {
        var error = Assert.Throws<InvalidInputException>(() => ModelSpec.Resnet(Digits, 10, depth));

        Assert.Contains($"--depth {depth} is not a ResNet depth", error.Message);
        Assert.Contains("6n + 2", error.Message);
    }

    [Theory]
    [InlineData(8, 3)]
    [InlineData(14, 6)]
    [InlineData(20, 9)]
    [InlineData(56, 27)]
    public void A_depth_of_6n_plus_2_holds_3n_blocks(int depth, int blocks)
    {
        Assert.Null(ModelSpec.ResnetDepthProblem(depth));
        Assert.Equal(blocks, ModelSpec.Resnet(Digits, 10, depth).Layers.Count(layer => layer is ResidualLayerSpec));
    }
}
