using Descent.Kernels;

namespace Descent.Engine.Layers;

/// <summary>ReLU, sigmoid or tanh, element-wise; the backward works from the saved output y.</summary>
public sealed class ActivationLayer(ComputeBackend backend, Activation activation) : RowWiseLayer(backend)
{
    public Activation Activation { get; } = activation;

    // y = f(x), element by element
    protected override void Forward(DeviceBuffer<float> x, DeviceBuffer<float> y, int rows) =>
        Backend.ActivationForward(Activation, x, y, rows * Width);

    // dx = dy * f'(x), written through y = f(x)
    protected override void Backward(DeviceBuffer<float> dY, DeviceBuffer<float> y, DeviceBuffer<float> dX, int rows) =>
        Backend.ActivationBackward(Activation, dY, y, dX, rows * Width);
}
