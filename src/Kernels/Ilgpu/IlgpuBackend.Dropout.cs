using ILGPU;
using ILGPU.Runtime;

namespace Descent.Kernels.Ilgpu;

// Dropout over N elements, forward and backward through one kernel and the shared mask (DropoutMask).
public sealed partial class IlgpuBackend
{
    private Action<Index1D, ArrayView<float>, ArrayView<float>, int, DropoutStep, float, uint, long, int>? launchDropout;

    protected override void DropoutForwardCore(DeviceBuffer<float> x, DeviceBuffer<float> y, int count, DropoutStep step) =>
        LaunchDropout(View(x), View(y), count, step);

    protected override void DropoutBackwardCore(DeviceBuffer<float> dY, DeviceBuffer<float> dX, int count, DropoutStep step) =>
        LaunchDropout(View(dY), View(dX), count, step);

    /// <summary>Dropout's forward and backward are one map, output = mask * scale * input: one kernel serves both.</summary>
    private void LaunchDropout(ArrayView<float> input, ArrayView<float> output, int count, DropoutStep step)
    {
        launchDropout ??= accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, int, DropoutStep, float,
            uint, long, int>(DropoutKernel);
        var (first, counters) = DropoutMask.CounterRange(count, step);
        var threads = Threads(counters);
        Launches++;
        // The scale is computed here, in double as DropoutStep defines it: double math has no place in a kernel.
        launchDropout(threads, input, output, count, step, step.KeptScale, first, counters, threads);
    }

    /// <summary>
    /// output[i] = input[i] * keptScale where <see cref="DropoutMask.Keep"/>(i, step), else 0, one generator run per thread
    /// and counter (counters [first, first + counters) from <see cref="DropoutMask.CounterRange"/>): its four words go to the
    /// four elements drawn from it (those inside the tensor), as DropoutMask defines them. output may be input.
    /// </summary>
    [IlgpuKernel]
    internal static void DropoutKernel(Index1D index, ArrayView<float> input, ArrayView<float> output, int count, DropoutStep step,
        float keptScale, uint first, long counters, int stride)
    {
        for (long q = index; q < counters; q += stride)
        {
            var counter = first + q;
            var words = DropoutMask.Words((uint)(counter % (1L << 30)), step.Step, step.Seed, step.Stream);
            for (var word = 0; word < DropoutMask.ElementsPerCounter; word++)
            {
                var i = counter * DropoutMask.ElementsPerCounter + word - step.FirstElement;
                if (i >= 0 && i < count)
                {
                    output[i] = DropoutMask.Kept(words.Word(word), step) ? input[i] * keptScale : 0f;
                }
            }
        }
    }
}
