namespace Descent.Kernels.Reference;

public partial class ReferenceBackend
{
    protected override void GatherBatchCore(DeviceBuffer<byte> pixels, DeviceBuffer<int> labels, DeviceBuffer<int> order, int start,
        int count, int features, DeviceBuffer<float> channelScaleShift, int channels, int planeSize, DeviceBuffer<float> inputs,
        DeviceBuffer<int> batchLabels)
    {
        var inputValues = new double[count * features];
        var labelValues = new int[count];
        var scaleShift = Widen(channelScaleShift, 2 * channels);
        ReferenceMath.GatherBatch(inputValues, labelValues, HostElements(pixels).ToArray(), HostElements(labels).ToArray(), HostElements(order).ToArray(),
            start, count, features, scaleShift[..channels], scaleShift[channels..]);
        Store(inputValues, inputs);
        labelValues.CopyTo(HostElements(batchLabels));
    }
}

public static partial class ReferenceMath
{
    // ---------------------------------------------------------------- data

    /// <summary>
    /// Gathers inputs (count,F) and batchLabels (count) from a dataset of pixels (items,F) as bytes and
    /// labels (items), each item C = scales.Length planes of F / C features: item = order[start + i];
    /// inputs[i, f] = pixels[item, f] * scales[c] + shifts[c] with c = f / (F / C);
    /// batchLabels[i] = labels[item]. An item outside the dataset gives zeros and label -1.
    /// </summary>
    public static void GatherBatch(double[] inputs, int[] batchLabels, byte[] pixels, int[] labels, int[] order,
        int start, int count, int features, double[] scales, double[] shifts)
    {
        var items = pixels.Length / features;
        var planeSize = features / scales.Length;
        for (var i = 0; i < count; i++)
        {
            var item = order[start + i];
            var inDataset = item >= 0 && item < items;
            for (var f = 0; f < features; f++)
            {
                var channel = f / planeSize;
                inputs[i * features + f] = inDataset ? pixels[item * features + f] * scales[channel] + shifts[channel] : 0;
            }
            batchLabels[i] = inDataset ? labels[item] : -1;
        }
    }
}
