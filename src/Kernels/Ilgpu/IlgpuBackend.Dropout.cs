using ILGPU;
using ILGPU.Runtime;

namespace Descent.Kernels.Ilgpu;

// Dropout over N elements, forward and backward through one kernel and the shared mask (DropoutMask).
public sealed partial class IlgpuBackend
{
    private Action<Index1D, ArrayView<float>, ArrayView<float>, int, DropoutStep, float, int>? launchDropout;

    protected override void DropoutForwardCore(DeviceBuffer<float> x, DeviceBuffer<float> y, int count, DropoutStep step) =>
        LaunchDropout(View(x), View(y), count, step);

    protected override void DropoutBackwardCore(DeviceBuffer<float> dY, DeviceBuffer<float> dX, int count, DropoutStep step) =>
        LaunchDropout(View(dY), View(dX), count, step);

    /// <summary>Dropout's forward and backward are one map, output = mask * scale * input: one kernel serves both.</summary>
    private void LaunchDropout(ArrayView<float> input, ArrayView<float> output, int count, DropoutStep step)
    {
        launchDropout ??= accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, int, DropoutStep, float,
            int>(DropoutKernel);
        var threads = Threads(count);
        Launches++;
        // The scale is computed here, in double as DropoutStep defines it: double math has no place in a kernel.
        launchDropout(threads, input, output, count, step, step.KeptScale, threads);
    }

    /// <summary>
    /// output[i] = input[i] * keptScale where <see cref="DropoutMask.Keep"/>(i, step), else 0: the mask is recomputed
    /// from the element's index, by the generator the other backends hold theirs to. output may be input.
    /// </summary>
    [IlgpuKernel]
    internal static void DropoutKernel(Index1D index, ArrayView<float> input, ArrayView<float> output, int count, DropoutStep step,
        float keptScale, int stride)
    {
        for (long i = index; i < count; i += stride)
        {
            output[i] = DropoutMask.Keep((uint)i, step) ? input[i] * keptScale : 0f;
        }
    }
}
