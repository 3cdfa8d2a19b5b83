using Descent.Engine.Tensors;

namespace Descent.Engine.Layers;

/// <summary>
/// PyTorch's nn.Flatten: an image (C, H, W) becomes a row of C*H*W features. A batch is already rows of
/// features in NCHW order, so this is a view: forward and backward hand their tensor on, copying nothing.
/// </summary>
public sealed class Flatten : ILayer
{
    public int InputWidth => 0;

    public IReadOnlyList<Parameter> Parameters { get; } = [];

    public int OutputWidth(int inputWidth) => inputWidth;

    public void Prepare(int maxRows, int inputWidth)
    {
    }

    public Tensor Forward(Tensor input, int rows) => input;

    public Tensor? Backward(Tensor outputGradient, int rows, bool needInputGradient) => needInputGradient ? outputGradient : null;

    public void Dispose()
    {
    }
}
