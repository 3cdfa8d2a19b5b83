using ILGPU;

namespace Descent.Kernels.Ilgpu;

/// <summary>
/// Data movement on the device. Threads walk their elements with a grid stride
/// (<c>stride</c> = threads launched).
/// </summary>
internal static class DataKernels
{
    /// <summary>buffer[offset .. offset + count) = value.</summary>
    public static void Fill(Index1D index, ArrayView<float> buffer, float value, int offset, int count, int stride)
    {
        for (long i = index; i < count; i += stride)
        {
            buffer[offset + i] = value;
        }
    }

    /// <summary>
    /// Gathers a batch from a dataset of pixels (items,F) as bytes and labels (items):
    /// for i in [0, count): item = order[start + i]; inputs (count,F)[i, f] = pixels[item, f] * scale + shift;
    /// batchLabels (count)[i] = labels[item]. An item outside [0, items) gives zeros and label -1,
    /// which the losses turn into a NaN row. One thread per input element.
    /// </summary>
    public static void GatherBatch(Index1D index, ArrayView<byte> pixels, ArrayView<int> labels, ArrayView<int> order,
        ArrayView<float> inputs, ArrayView<int> batchLabels, int start, int count, int features, int items, float scale,
        float shift, int stride)
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
            inputs[element] = inDataset ? pixels[safeItem * features + feature] * scale + shift : 0f;
            if (feature == 0)
            {
                batchLabels[row] = inDataset ? labels[safeItem] : -1;
            }
        }
    }
}
