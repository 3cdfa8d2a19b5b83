using Descent.Engine.Tensors;
using Descent.Kernels;

namespace Descent.Engine.Layers;

/// <summary>
/// Y = X W^T + b, PyTorch's layout: X is (B, in), W is (out, in), b is (out), Y is (B, out).
/// All three products are one GEMM each, with no transposed copy.
/// </summary>
public sealed class Linear : ILayer
{
    private readonly ComputeBackend backend;
    private readonly Parameter weight;
    private readonly Parameter bias;
    private Tensor? output;
    private Tensor? inputGradient;
    private Tensor? savedInput;

    public Linear(ComputeBackend backend, int inputs, int outputs, LinearInit init, Random random)
    {
        this.backend = backend;
        Inputs = inputs;
        Outputs = outputs;
        weight = new Parameter(backend, $"weight {outputs}x{inputs}", init.Weights(inputs, outputs, random));
        bias = new Parameter(backend, $"bias {outputs}", init.Biases(inputs, outputs, random));
        Parameters = [weight, bias];
    }

    public int Inputs { get; }

    public int Outputs { get; }

    public Parameter Weight => weight;

    public Parameter Bias => bias;

    public int InputWidth => Inputs;

    public IReadOnlyList<Parameter> Parameters { get; }

    public int OutputWidth(int inputWidth) => Outputs;

    public void Prepare(int maxRows, int inputWidth)
    {
        output?.Dispose();
        inputGradient?.Dispose();
        output = new Tensor(backend, maxRows, Outputs);
        inputGradient = new Tensor(backend, maxRows, Inputs);
    }

    public Tensor Forward(Tensor input, int rows)
    {
        var y = output ?? throw NotPrepared();
        savedInput = input;
        // Y (B, out) = X (B, in) * W^T (in, out) + b
        backend.Gemm(false, true, rows, Outputs, Inputs, 1f, input.Buffer, weight.Value, 0f, y.Buffer);
        backend.BiasAdd(y.Buffer, bias.Value, rows, Outputs);
        return y;
    }

    public Tensor? Backward(Tensor outputGradient, int rows, bool needInputGradient)
    {
        var x = savedInput ?? throw new InvalidOperationException("Linear.Backward called before Forward");
        // dW (out, in) += dY^T (out, B) * X (B, in)
        backend.Gemm(true, false, Outputs, Inputs, rows, 1f, outputGradient.Buffer, x.Buffer, 1f, weight.Gradient);
        // db (out) += column sums of dY
        backend.BiasBackward(outputGradient.Buffer, bias.Gradient, rows, Outputs, 1f);
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
    }

    private static InvalidOperationException NotPrepared() => new("Linear used before Prepare");
}
