using Descent.Engine.Tensors;
using Descent.Kernels;

namespace Descent.Engine.Layers;

/// <summary>ReLU, sigmoid or tanh, element-wise; the backward works from the saved output y.</summary>
public sealed class ActivationLayer(ComputeBackend backend, Activation activation) : ILayer
{
    private Tensor? output;
    private Tensor? inputGradient;
    private int width;

    public Activation Activation { get; } = activation;

    public int InputWidth => 0;

    public IReadOnlyList<Parameter> Parameters { get; } = [];

    public int OutputWidth(int inputWidth) => inputWidth;

    public void Prepare(int maxRows, int inputWidth)
    {
        output?.Dispose();
        inputGradient?.Dispose();
        width = inputWidth;
        output = new Tensor(backend, maxRows, inputWidth);
        inputGradient = new Tensor(backend, maxRows, inputWidth);
    }

    public Tensor Forward(Tensor input, int rows)
    {
        var y = output ?? throw NotPrepared();
        // y (B, C) = f(x (B, C))
        backend.ActivationForward(Activation, input.Buffer, y.Buffer, rows * width);
        return y;
    }

    public Tensor? Backward(Tensor outputGradient, int rows, bool needInputGradient)
    {
        if (!needInputGradient)
        {
            return null;
        }
        var dx = inputGradient ?? throw NotPrepared();
        var y = output ?? throw NotPrepared();
        // dx (B, C) = dy * f'(x), written through y = f(x)
        backend.ActivationBackward(Activation, outputGradient.Buffer, y.Buffer, dx.Buffer, rows * width);
        return dx;
    }

    public void Dispose()
    {
        output?.Dispose();
        inputGradient?.Dispose();
    }

    private InvalidOperationException NotPrepared() => new($"{Activation} layer used before Prepare");
}
