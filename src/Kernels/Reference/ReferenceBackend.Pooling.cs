namespace Descent.Kernels.Reference;

/// <summary>Max-pooling: each op widens its inputs, runs <see cref="ReferenceMath"/>'s loop, and stores the result.</summary>
public partial class ReferenceBackend
{
    protected override void MaxPool2dForwardCore(DeviceBuffer<float> x, DeviceBuffer<float> y, DeviceBuffer<int> argmax, Pool2dShape shape)
    {
        var result = new double[shape.OutputLength];
        var indices = new int[shape.OutputLength];
        ReferenceMath.MaxPool2dForward(result, indices, Widen(x, (int)shape.InputLength), shape);
        Store(result, y);
        indices.CopyTo(HostElements(argmax));
    }

    protected override void MaxPool2dBackwardCore(DeviceBuffer<float> dY, DeviceBuffer<int> argmax, DeviceBuffer<float> dX, Pool2dShape shape)
    {
        var result = new double[shape.InputLength];
        ReferenceMath.MaxPool2dBackward(result, Widen(dY, (int)shape.OutputLength),
            HostElements(argmax)[..(int)shape.OutputLength].ToArray(), shape);
        Store(result, dX);
    }
}
