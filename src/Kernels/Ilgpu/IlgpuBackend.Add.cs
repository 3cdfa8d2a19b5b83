using ILGPU;
using ILGPU.Runtime;

namespace Descent.Kernels.Ilgpu;

// Element-wise sum y = a + b over N elements, a grid-stride kernel like the activations.
public sealed partial class IlgpuBackend
{
    private Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int>? launchAdd;

    protected override void AddCore(DeviceBuffer<float> a, DeviceBuffer<float> b, DeviceBuffer<float> y, int count)
    {
        launchAdd ??= accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, int,
            int>(AddKernel);
        var threads = Threads(count);
        Launches++;
        launchAdd(threads, View(a), View(b), View(y), count, threads);
    }

    /// <summary>y = a + b; y may be a or b (each element is read before it is written).</summary>
    [IlgpuKernel]
    internal static void AddKernel(Index1D index, ArrayView<float> a, ArrayView<float> b, ArrayView<float> y, int count, int stride)
    {
        for (long i = index; i < count; i += stride)
        {
            y[i] = a[i] + b[i];
        }
    }
}
