using Descent.Engine.Tensors;
using Descent.Kernels;

namespace Descent.Engine.Layers;

/// <summary>
/// Y = f(X W^T + b), PyTorch's layout: X is (B, in), W is (out, in), b is (out), Y is (B, out), with f
/// an optional activation fused into the layer. The forward is one <see cref="ComputeBackend.LinearForward"/>
/// (one pass over Y on a backend that fuses it); the three backward products are one GEMM each, with
/// no transposed copy.
/// </summary>
public sealed class Linear : ILayer
{
    private readonly ComputeBackend backend;
    private readonly Parameter weight;
    private readonly Parameter bias;
    private Tensor? output;
    private Tensor? inputGradient;
    private Tensor? preActivationGradient;
    private Tensor? savedInput;

    /// <param name="activation">Applied to the output inside the layer, or null for none (a model's last layer, whose logits go to the loss).</param>
    public Linear(ComputeBackend backend, int inputs, int outputs, LinearInit init, Random random, Activation? activation = null)
    {
        this.backend = backend;
        Inputs = inputs;
        Outputs = outputs;
        Activation = activation;
        weight = new Parameter(backend, $"weight {outputs}x{inputs}", init.Weights(inputs, outputs, random));
        bias = new Parameter(backend, $"bias {outputs}", init.Biases(inputs, outputs, random));
        Parameters = [weight, bias];
    }

    public int Inputs { get; }

    public int Outputs { get; }

    /// <summary>The activation fused into the layer, or null.</summary>
    public Activation? Activation { get; }

    /// <summary>The module's name in PyTorch's model (fc1, or its nn.Sequential index), which prefixes its parameters' names; null when built alone.</summary>
    public string? ModuleName { get; init; }

    public Parameter Weight => weight;

    public Parameter Bias => bias;

    public int InputWidth => Inputs;

    public IReadOnlyList<Parameter> Parameters { get; }

    public int OutputWidth(int inputWidth) => Outputs;

    public void Prepare(int maxRows, int inputWidth)
    {
        output?.Dispose();
        inputGradient?.Dispose();
        preActivationGradient?.Dispose();
        output = new Tensor(backend, maxRows, Outputs);
        inputGradient = new Tensor(backend, maxRows, Inputs);
        preActivationGradient = Activation is null ? null : new Tensor(backend, maxRows, Outputs);
    }

    public Tensor Forward(Tensor input, int rows)
    {
        var y = output ?? throw NotPrepared();
        savedInput = input;
        // Y (B, out) = f(X (B, in) * W^T (in, out) + b)
        backend.LinearForward(input.Buffer, weight.Value, bias.Value, y.Buffer, rows, Inputs, Outputs, Activation);
        return y;
    }

    public Tensor? Backward(Tensor outputGradient, int rows, bool needInputGradient)
    {
        var x = savedInput ?? throw new InvalidOperationException("Linear.Backward called before Forward");
        if (Activation is { } activation)
        {
            // dZ (B, out) = dY * f'(Z), written through the saved output Y = f(Z)
            var dZ = preActivationGradient ?? throw NotPrepared();
            var y = output ?? throw NotPrepared();
            backend.ActivationBackward(activation, outputGradient.Buffer, y.Buffer, dZ.Buffer, rows * Outputs);
            outputGradient = dZ;
        }
        // dW (out, in) = dY^T (out, B) * X (B, in), written with beta 0: each parameter is used once per
        // step, so its gradient is overwritten rather than zero-filled first (one launch fewer per parameter).
        backend.Gemm(true, false, Outputs, Inputs, rows, 1f, outputGradient.Buffer, x.Buffer, 0f, weight.Gradient);
        // db (out) = column sums of dY
        backend.BiasBackward(outputGradient.Buffer, bias.Gradient, rows, Outputs, 0f);
        if (!needInputGradient)
        {
            return null;
        }
        var dx = inputGradient ?? throw NotPrepared();
        // dX (B, in) = dY (B, out) * W (out, in)
        backend.Gemm(false, false, rows, Inputs, Outputs, 1f, outputGradient.Buffer, weight.Value, 0f, dx.Buffer);
        return dx;
    }

    public void Dispose()
    {
        weight.Dispose();
        bias.Dispose();
        output?.Dispose();
        inputGradient?.Dispose();
        preActivationGradient?.Dispose();
    }

    private static InvalidOperationException NotPrepared() => new("Linear used before Prepare");
}
