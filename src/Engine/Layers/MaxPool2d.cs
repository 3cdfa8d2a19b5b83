using Descent.Engine.Tensors;
using Descent.Kernels;

namespace Descent.Engine.Layers;

/// <summary>
/// PyTorch's nn.MaxPool2d over NCHW rows: X is (B, C*H*W), Y is (B, C*P*Q). The forward records where each
/// maximum came from, so the backward routes each gradient there without reading X again.
/// </summary>
public sealed class MaxPool2d(ComputeBackend backend, Pool2dShape shape) : ILayer
{
    private readonly Pool2dShape item = shape with { Batch = 1 };
    private Tensor? output;
    private Tensor? inputGradient;
    private DeviceBuffer<int>? argmax;

    /// <summary>The pooling of one item: channels, sizes, window and stride.</summary>
    public Pool2dShape Shape => item;

    public int InputWidth => (int)item.InputLength;

    public IReadOnlyList<Parameter> Parameters { get; } = [];

    public int OutputWidth(int inputWidth) => (int)item.OutputLength;

    public void Prepare(int maxRows, int inputWidth)
    {
        if (item.Problem is { } problem)
        {
            throw new InvalidInputException($"pooling {item} is not valid: {problem}");
        }
        Dispose();
        output = new Tensor(backend, maxRows, OutputWidth(inputWidth));
        inputGradient = new Tensor(backend, maxRows, InputWidth);
        argmax = backend.Allocate<int>(checked(maxRows * OutputWidth(inputWidth)));
    }

    public Tensor Forward(Tensor input, int rows)
    {
        var y = output ?? throw NotPrepared();
        // Y (B, C, P, Q) = the maximum of each window of X (B, C, H, W); argmax: where in its plane
        backend.MaxPool2dForward(input.Buffer, y.Buffer, argmax!, item with { Batch = rows });
        return y;
    }

    public Tensor? Backward(Tensor outputGradient, int rows, bool needInputGradient)
    {
        if (!needInputGradient)
        {
            return null;
        }
        var dx = inputGradient ?? throw NotPrepared();
        // dX (B, C, H, W) = dY added at each window's argmax, zero elsewhere
        backend.MaxPool2dBackward(outputGradient.Buffer, argmax!, dx.Buffer, item with { Batch = rows });
        return dx;
    }

    public void Dispose()
    {
        output?.Dispose();
        inputGradient?.Dispose();
        argmax?.Dispose();
    }

    private static InvalidOperationException NotPrepared() => new("MaxPool2d used before Prepare");
}
