using Descent.Kernels;

namespace Descent.Engine.Layers;

/// <summary>
/// Row-wise softmax, for reading a model's output as probabilities. Training with cross-entropy does
/// not need it: that loss applies the softmax inside, fused with its gradient.
/// </summary>
public sealed class SoftmaxLayer(ComputeBackend backend) : RowWiseLayer(backend)
{
    // y = softmax over each row of x
    protected override void Forward(DeviceBuffer<float> x, DeviceBuffer<float> y, int rows) =>
        Backend.SoftmaxForward(x, y, rows, Width);

    // dx = y * (dy - sum_j dy_j y_j), row by row
    protected override void Backward(DeviceBuffer<float> dY, DeviceBuffer<float> y, DeviceBuffer<float> dX, int rows) =>
        Backend.SoftmaxBackward(dY, y, dX, rows, Width);
}
