namespace Descent.Kernels.Reference;

public partial class ReferenceBackend
{
    protected override void DropoutForwardCore(DeviceBuffer<float> x, DeviceBuffer<float> y, int count, DropoutStep step)
    {
        var result = new double[count];
        ReferenceMath.Dropout(result, Widen(x, count), count, step);
        Store(result, y);
    }

    protected override void DropoutBackwardCore(DeviceBuffer<float> dY, DeviceBuffer<float> dX, int count, DropoutStep step)
    {
        var result = new double[count];
        ReferenceMath.Dropout(result, Widen(dY, count), count, step);
        Store(result, dX);
    }
}
