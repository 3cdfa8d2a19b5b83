using Descent.Engine.Tensors;
using Descent.Kernels;

namespace Descent.Engine.Layers;

/// <summary>
/// A parameter-free layer whose output has its input's shape and whose backward needs only the
/// saved output y: the activations and softmax. It owns y and dX, sized once by <see cref="Prepare"/>.
/// </summary>
public abstract class RowWiseLayer(ComputeBackend backend) : ILayer
{
    private Tensor? output;
    private Tensor? inputGradient;

    protected ComputeBackend Backend { get; } = backend;

    /// <summary>Columns per row, fixed by <see cref="Prepare"/>.</summary>
    protected int Width { get; private set; }

    public int InputWidth => 0;

    public IReadOnlyList<Parameter> Parameters { get; } = [];

    public int OutputWidth(int inputWidth) => inputWidth;

    public void Prepare(int maxRows, int inputWidth)
    {
        output?.Dispose();
        inputGradient?.Dispose();
        Width = inputWidth;
        output = new Tensor(Backend, maxRows, inputWidth);
        inputGradient = new Tensor(Backend, maxRows, inputWidth);
    }

    public Tensor Forward(Tensor input, int rows)
    {
        var y = output ?? throw NotPrepared();
        Forward(input.Buffer, y.Buffer, rows);
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
        Backward(outputGradient.Buffer, y.Buffer, dx.Buffer, rows);
        return dx;
    }

    public void Dispose()
    {
        output?.Dispose();
        inputGradient?.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>Queues y (B, Width) = f(x (B, Width)).</summary>
    protected abstract void Forward(DeviceBuffer<float> x, DeviceBuffer<float> y, int rows);

    /// <summary>Queues dX (B, Width) from dY and the saved output y.</summary>
    protected abstract void Backward(DeviceBuffer<float> dY, DeviceBuffer<float> y, DeviceBuffer<float> dX, int rows);

    private InvalidOperationException NotPrepared() => new($"{GetType().Name} used before Prepare");
}
