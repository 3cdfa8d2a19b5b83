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

public static partial class ReferenceMath
{
    // ---------------------------------------------------------------- add

    /// <summary>y (N) = a (N) + b (N); y may be a or b.</summary>
    public static void Add(double[] y, double[] a, double[] b, int count)
    {
        for (var i = 0; i < count; i++)
        {
            y[i] = a[i] + b[i];
        }
    }
}
