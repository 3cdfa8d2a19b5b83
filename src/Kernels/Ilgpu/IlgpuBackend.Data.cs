using ILGPU;
using ILGPU.Runtime;

namespace Descent.Kernels.Ilgpu;

// Data movement on the device: filling a buffer, gathering a batch from a dataset held as bytes.
public sealed partial class IlgpuBackend
{
    private Action<Index1D, ArrayView<float>, float, int, int, int>? launchFill;
    private Action<Index1D, ArrayView<byte>, ArrayView<int>, ArrayView<int>, ArrayView<float>, ArrayView<float>, ArrayView<int>, int,
        int, int, int, int, int, int>? launchGatherBatch;

    protected override void FillCore(DeviceBuffer<float> buffer, float value, int offset, int count)
    {
        launchFill ??= accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, float, int, int, int>(FillKernel);
        var threads = Threads(count);
        Launches++;
        launchFill(threads, View(buffer), value, offset, count, threads);
    }

    protected override void GatherBatchCore(DeviceBuffer<byte> pixels, DeviceBuffer<int> labels, DeviceBuffer<int> order,
        int start, int count, int features, DeviceBuffer<float> channelScaleShift, int channels, int planeSize,
        DeviceBuffer<float> inputs, DeviceBuffer<int> batchLabels)
    {
        launchGatherBatch ??= accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<byte>, ArrayView<int>, ArrayView<int>,
            ArrayView<float>, ArrayView<float>, ArrayView<int>, int, int, int, int, int, int, int>(GatherBatchKernel);
        var threads = Threads((long)count * features);
        Launches++;
        launchGatherBatch(threads, View(pixels), View(labels), View(order), View(channelScaleShift), View(inputs), View(batchLabels),
            start, count, features, pixels.Length / features, channels, planeSize, threads);
    }

    /// <summary>buffer[offset .. offset + count) = value.</summary>
    [IlgpuKernel]
    internal static void FillKernel(Index1D index, ArrayView<float> buffer, float value, int offset, int count, int stride)
    {
        for (long i = index; i < count; i += stride)
        {
            buffer[offset + i] = value;
        }
    }

    /// <summary>
    /// Gathers a batch from a dataset of pixels (items,F) as bytes and labels (items):
    /// for i in [0, count): item = order[start + i]; inputs (count,F)[i, f] = pixels[item, f] * scale[c] + shift[c], with the
    /// F features C planes of planeSize, c = f / planeSize, and scaleShift (2C) the C scales then the C shifts;
    /// batchLabels (count)[i] = labels[item]. An item outside [0, items) gives zeros and label -1,
    /// which the losses turn into a NaN row. Threads walk the input elements, (count,F) of them.
    /// </summary>
    [IlgpuKernel]
    internal static void GatherBatchKernel(Index1D index, ArrayView<byte> pixels, ArrayView<int> labels, ArrayView<int> order,
        ArrayView<float> scaleShift, ArrayView<float> inputs, ArrayView<int> batchLabels, int start, int count, int features, int items,
        int channels, int planeSize, int stride)
    {
        long elements = (long)count * features;
        for (long i = index; i < elements; i += stride)
        {
            // i < count * features, which fits an int because the inputs buffer holds it.
            var element = (int)i;
            var row = element / features;
            var feature = element % features;
            var item = order[start + row];
            var inDataset = item >= 0 && item < items;
            // Never index with a bad item, not even in a branch the compiler might turn into a select.
            var safeItem = inDataset ? item : 0;
            var channel = feature / planeSize;
            inputs[element] = inDataset ? pixels[safeItem * features + feature] * scaleShift[channel] + scaleShift[channels + channel] : 0f;
            if (feature == 0)
            {
                batchLabels[row] = inDataset ? labels[safeItem] : -1;
            }
        }
    }
}
