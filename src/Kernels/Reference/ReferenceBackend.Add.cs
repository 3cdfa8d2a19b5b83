namespace Descent.Kernels.Reference;

public partial class ReferenceBackend
{
    // Widen copies a and b before y is stored, so y may be either of them.
    protected override void AddCore(DeviceBuffer<float> a, DeviceBuffer<float> b, DeviceBuffer<float> y, int count)
    {
        var result = new double[count];
        ReferenceMath.Add(result, Widen(a, count), Widen(b, count), count);
        Store(result, y);
    }
}
