using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Descent.Peer;

/// <summary>The nets the peer trains, named in their state dicts as PyTorch names the same module trees, as Descent saves them.</summary>
public static class Models
{
    public const string Grammar = "widths like 784-128-10 (an MLP with ReLU), cnn (PyTorch's examples/mnist net, dropout on), " +
        "or resnetD with D = 6n+2 (He et al.'s CIFAR ResNet under torchvision's names: resnet8, resnet20, ...)";

    /// <summary>The net <paramref name="name"/> for inputs of <paramref name="channels"/> x <paramref name="rows"/> x <paramref name="columns"/>.</summary>
    public static Module<Tensor, Tensor> Create(string name, int channels, int rows, int columns, int classes)
    {
        if (name == "cnn")
        {
            return new MnistExampleNet(channels, rows, columns, classes);
        }
        if (name.StartsWith("resnet", StringComparison.Ordinal) && int.TryParse(name["resnet".Length..], out var depth))
        {
            if (depth < 8 || (depth - 2) % 6 != 0)
            {
                throw new PeerInputException($"a CIFAR ResNet's depth is 6n+2 (8, 14, 20, 32, ...), got {depth}");
            }
            return new CifarResNet((depth - 2) / 6, channels, classes);
        }
        var widths = name.Split('-').Select(width => int.TryParse(width, out var value) && value > 0 ? value : -1).ToArray();
        if (widths.Length < 2 || widths.Contains(-1))
        {
            throw new PeerInputException($"model '{name}' is not {Grammar}");
        }
        if (widths[0] != channels * rows * columns || widths[^1] != classes)
        {
            throw new PeerInputException($"model '{name}' takes {widths[0]} inputs to {widths[^1]} outputs; the data has {channels * rows * columns} to {classes}");
        }
        var layers = new List<Module<Tensor, Tensor>>();
        for (var i = 0; i + 1 < widths.Length; i++)
        {
            layers.Add(Linear(widths[i], widths[i + 1]));
            if (i + 2 < widths.Length)
            {
                layers.Add(ReLU());
            }
        }
        return Sequential(layers.ToArray());
    }

    /// <summary>Whether the net reads images as channels x rows x columns (standardised), rather than a flat row of 0..1 values.</summary>
    public static bool IsConvolutional(string name) => !char.IsAsciiDigit(name[0]);

    /// <summary>Whether a training step draws random numbers (dropout), which no two programs draw alike.</summary>
    public static bool DrawsAtRandom(string name) => name == "cnn";
}

/// <summary>PyTorch's examples/mnist net: two 3x3 convolutions, max pooling, dropout 0.25, a hidden layer of 128, dropout 0.5.</summary>
internal sealed class MnistExampleNet : Module<Tensor, Tensor>
{
    private readonly Module<Tensor, Tensor> conv1;
    private readonly Module<Tensor, Tensor> conv2;
    private readonly Module<Tensor, Tensor> dropout1;
    private readonly Module<Tensor, Tensor> dropout2;
    private readonly Module<Tensor, Tensor> fc1;
    private readonly Module<Tensor, Tensor> fc2;

    public MnistExampleNet(int channels, int rows, int columns, int classes) : base(nameof(MnistExampleNet))
    {
        conv1 = Conv2d(channels, 32, 3);
        conv2 = Conv2d(32, 64, 3);
        dropout1 = Dropout(0.25);
        dropout2 = Dropout(0.5);
        fc1 = Linear(64L * ((rows - 4) / 2) * ((columns - 4) / 2), 128);
        fc2 = Linear(128, classes);
        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        var x = functional.relu(conv2.forward(functional.relu(conv1.forward(input))));
        x = dropout1.forward(functional.max_pool2d(x, 2)).flatten(1);
        return fc2.forward(dropout2.forward(functional.relu(fc1.forward(x))));
    }
}

/// <summary>
/// He et al.'s CIFAR ResNet (section 4.2): a 3x3 convolution to 16 channels, three stages of n basic blocks at 16, 32
/// and 64 channels (the second and third start with stride 2 and a projection shortcut, a 1x1 convolution of stride 2
/// and batch normalisation, torchvision's <c>downsample</c>), global average pooling and one linear layer. Convolutions
/// have no bias; every one is followed by batch normalisation. Initialised as torchvision initialises its ResNets.
/// </summary>
internal sealed class CifarResNet : Module<Tensor, Tensor>
{
    private readonly Module<Tensor, Tensor> conv1;
    private readonly Module<Tensor, Tensor> bn1;
    private readonly Module<Tensor, Tensor> layer1;
    private readonly Module<Tensor, Tensor> layer2;
    private readonly Module<Tensor, Tensor> layer3;
    private readonly Module<Tensor, Tensor> avgpool;
    private readonly Module<Tensor, Tensor> fc;

    public CifarResNet(int blocksPerStage, int channels, int classes) : base(nameof(CifarResNet))
    {
        conv1 = Conv2d(channels, 16, 3, padding: 1, bias: false);
        bn1 = BatchNorm2d(16);
        layer1 = Stage(16, 16, blocksPerStage, 1);
        layer2 = Stage(16, 32, blocksPerStage, 2);
        layer3 = Stage(32, 64, blocksPerStage, 2);
        avgpool = AdaptiveAvgPool2d(1);
        fc = Linear(64, classes);
        RegisterComponents();
        foreach (var module in modules())
        {
            using var _ = no_grad();
            if (module is Conv2d convolution)
            {
                init.kaiming_normal_(convolution.weight, mode: init.FanInOut.FanOut, nonlinearity: init.NonlinearityType.ReLU);
            }
            else if (module is BatchNorm2d normalization)
            {
                init.ones_(normalization.weight);
                init.zeros_(normalization.bias);
            }
        }
    }

    private static Module<Tensor, Tensor> Stage(int inputChannels, int outputChannels, int blocks, int stride) =>
        Sequential(Enumerable.Range(0, blocks)
            .Select(i => (Module<Tensor, Tensor>)new BasicBlock(i == 0 ? inputChannels : outputChannels, outputChannels, i == 0 ? stride : 1))
            .ToArray());

    public override Tensor forward(Tensor input)
    {
        var x = functional.relu(bn1.forward(conv1.forward(input)));
        x = layer3.forward(layer2.forward(layer1.forward(x)));
        return fc.forward(avgpool.forward(x).flatten(1));
    }
}

/// <summary>torchvision's BasicBlock: relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x)).</summary>
internal sealed class BasicBlock : Module<Tensor, Tensor>
{
    private readonly Module<Tensor, Tensor> conv1;
    private readonly Module<Tensor, Tensor> bn1;
    private readonly Module<Tensor, Tensor> conv2;
    private readonly Module<Tensor, Tensor> bn2;
    private readonly Module<Tensor, Tensor>? downsample;

    public BasicBlock(int inputChannels, int outputChannels, int stride) : base(nameof(BasicBlock))
    {
        conv1 = Conv2d(inputChannels, outputChannels, 3, stride: stride, padding: 1, bias: false);
        bn1 = BatchNorm2d(outputChannels);
        conv2 = Conv2d(outputChannels, outputChannels, 3, padding: 1, bias: false);
        bn2 = BatchNorm2d(outputChannels);
        if (stride != 1 || inputChannels != outputChannels)
        {
            downsample = Sequential(Conv2d(inputChannels, outputChannels, 1, stride: stride, bias: false), BatchNorm2d(outputChannels));
        }
        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        var body = bn2.forward(conv2.forward(functional.relu(bn1.forward(conv1.forward(input)))));
        return functional.relu(body + (downsample?.forward(input) ?? input));
    }
}
