using Descent.Engine.Tensors;
using Descent.Kernels;

namespace Descent.Engine.Layers;

/// <summary>
/// Row-wise softmax, for reading a model's output as probabilities. Training with cross-entropy does
/// not need it: that loss applies the softmax inside, fused with its gradient.
/// </summary>
public sealed class SoftmaxLayer(ComputeBackend backend) : ILayer
{
    private Tensor? output;
    private Tensor? inputGradient;
    private int width;

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
        // y (B, C) = softmax over each row of x (B, C)
        backend.SoftmaxForward(input.Buffer, y.Buffer, rows, width);
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
        // dx = y * (dy - sum_j dy_j y_j), row by row
        backend.SoftmaxBackward(outputGradient.Buffer, y.Buffer, dx.Buffer, rows, width);
        return dx;
    }

    public void Dispose()
    {
        output?.Dispose();
        inputGradient?.Dispose();
    }

    private static InvalidOperationException NotPrepared() => new("Softmax layer used before Prepare");
}
