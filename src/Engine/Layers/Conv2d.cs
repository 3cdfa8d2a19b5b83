using Descent.Engine.Tensors;
using Descent.Kernels;

namespace Descent.Engine.Layers;

/// <summary>
/// Y = f(conv(X, W) + b), PyTorch's nn.Conv2d in NCHW: X is (B, C*H*W), W is (K, C, R, S), b is (K), Y is
/// (B, K*P*Q), with f an optional activation fused into the layer as <see cref="Linear"/> fuses one. The
/// weights and biases start as PyTorch starts them, uniform in +-1/sqrt(C*R*S) (kaiming-uniform with
/// a = sqrt(5) comes to that bound).
/// </summary>
public sealed class Conv2d : ILayer
{
    private readonly ComputeBackend backend;
    private readonly Conv2dShape item;
    private Tensor? output;
    private Tensor? inputGradient;
    private Tensor? preActivationGradient;
    private Tensor? savedInput;

    /// <param name="shape">The convolution of one item (its Batch is ignored: each call takes its own).</param>
    public Conv2d(ComputeBackend backend, Conv2dShape shape, Random random, Activation? activation = null)
    {
        item = shape with { Batch = 1 };
        if (item.Problem is { } problem)
        {
            throw new InvalidInputException($"convolution {item} is not valid: {problem}");
        }
        this.backend = backend;
        Activation = activation;
        var fanIn = item.InChannels * item.KernelHeight * item.KernelWidth;
        Weight = new Parameter(backend, $"weight {item.OutChannels}x{item.InChannels}x{item.KernelHeight}x{item.KernelWidth}",
            LinearInit.PyTorchDefault.Weights(fanIn, item.OutChannels, random));
        Bias = new Parameter(backend, $"bias {item.OutChannels}", LinearInit.PyTorchDefault.Biases(fanIn, item.OutChannels, random));
        Parameters = [Weight, Bias];
    }

    /// <summary>The convolution of one item: channels, sizes, kernel, stride and padding.</summary>
    public Conv2dShape Shape => item;

    /// <summary>The activation fused into the layer, or null.</summary>
    public Activation? Activation { get; }

    /// <summary>The module's name in PyTorch's model (conv1, or its nn.Sequential index), which prefixes its parameters' names.</summary>
    public string? ModuleName { get; init; }

    public Parameter Weight { get; }

    public Parameter Bias { get; }

    /// <summary>The shape PyTorch gives the weight: [out, in, kh, kw].</summary>
    public int[] WeightShape => [item.OutChannels, item.InChannels, item.KernelHeight, item.KernelWidth];

    public int InputWidth => (int)item.InputLength;

    public IReadOnlyList<Parameter> Parameters { get; }

    public int OutputWidth(int inputWidth) => (int)item.OutputLength;

    public void Prepare(int maxRows, int inputWidth)
    {
        output?.Dispose();
        inputGradient?.Dispose();
        preActivationGradient?.Dispose();
        output = new Tensor(backend, maxRows, OutputWidth(inputWidth));
        inputGradient = new Tensor(backend, maxRows, InputWidth);
        preActivationGradient = Activation is null ? null : new Tensor(backend, maxRows, OutputWidth(inputWidth));
    }

    public Tensor Forward(Tensor input, int rows)
    {
        var y = output ?? throw NotPrepared();
        savedInput = input;
        // Y (B, K, P, Q) = f(conv(X (B, C, H, W), W (K, C, R, S)) + b)
        backend.Conv2dForward(input.Buffer, Weight.Value, Bias.Value, y.Buffer, item with { Batch = rows }, Activation);
        return y;
    }

    public Tensor? Backward(Tensor outputGradient, int rows, bool needInputGradient)
    {
        var x = savedInput ?? throw new InvalidOperationException("Conv2d.Backward called before Forward");
        var shape = item with { Batch = rows };
        if (Activation is { } activation)
        {
            // dZ = dY * f'(Z), written through the saved output Y = f(Z)
            var dZ = preActivationGradient ?? throw NotPrepared();
            var y = output ?? throw NotPrepared();
            backend.ActivationBackward(activation, outputGradient.Buffer, y.Buffer, dZ.Buffer, rows * (int)item.OutputLength);
            outputGradient = dZ;
        }
        // dW (K, C, R, S) and db (K), overwritten: each parameter is used once per step.
        backend.Conv2dBackwardWeight(outputGradient.Buffer, x.Buffer, Weight.Gradient, Bias.Gradient, shape);
        if (!needInputGradient)
        {
            return null;
        }
        var dx = inputGradient ?? throw NotPrepared();
        // dX (B, C, H, W): the transposed convolution of dZ with W
        backend.Conv2dBackwardInput(outputGradient.Buffer, Weight.Value, dx.Buffer, shape);
        return dx;
    }

    public void Dispose()
    {
        Weight.Dispose();
        Bias.Dispose();
        output?.Dispose();
        inputGradient?.Dispose();
        preActivationGradient?.Dispose();
    }

    private static InvalidOperationException NotPrepared() => new("Conv2d used before Prepare");
}
