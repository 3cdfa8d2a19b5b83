using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Descent.Kernels.Cpu;

public sealed unsafe partial class CpuBackend
{
    protected override void GatherBatchCore(DeviceBuffer<byte> pixels, DeviceBuffer<int> labels, DeviceBuffer<int> order, int start,
        int count, int features, DeviceBuffer<float> channelScaleShift, int channels, int planeSize, DeviceBuffer<float> inputs,
        DeviceBuffer<int> batchLabels) =>
        pool.Run(new GatherKernel(Pointer(pixels), Pointer(labels), Pointer(order), start, features, pixels.Length / features,
            Pointer(channelScaleShift), channels, planeSize, Pointer(inputs), Pointer(batchLabels)),
            count, 1, Math.Max(1, SerialElementsBelow / features));
}

/// <summary>
/// Gathers a batch from a dataset of pixels (items,F) as bytes and labels (items); items are batch rows:
/// item = order[start + i]; inputs (count,F)[i, f] = pixels[item, f] * scale[c] + shift[c], where the F
/// features are C planes of planeSize and c = f / planeSize; scaleShift holds the C scales then the C shifts;
/// batchLabels[i] = labels[item]. An item outside the dataset gives zeros and label -1.
/// Each plane is one scale and shift, so sixteen bytes at a time are widened to floats within it: a batch
/// is mostly this conversion.
/// </summary>
internal unsafe struct GatherKernel(byte* pixels, int* labels, int* order, int start, int features, int items, float* scaleShift,
    int channels, int planeSize, float* inputs, int* batchLabels) : IRangeKernel
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public readonly void Execute(int first, int end)
    {
        for (var row = first; row < end; row++)
        {
            var item = order[start + row];
            var destination = inputs + (long)row * features;
            if (item < 0 || item >= items)
            {
                new Span<float>(destination, features).Clear();
                batchLabels[row] = -1;
                continue;
            }
            var source = pixels + (long)item * features;
            for (var channel = 0; channel < channels; channel++)
            {
                var offset = channel * planeSize;
                ConvertPlane(source + offset, destination + offset, scaleShift[channel], scaleShift[channels + channel]);
            }
            batchLabels[row] = labels[item];
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private readonly void ConvertPlane(byte* source, float* destination, float scale, float shift)
    {
        var scaleVector = Vector128.Create(scale);
        var shiftVector = Vector128.Create(shift);
        var f = 0;
        for (; f + Vector128<byte>.Count <= planeSize; f += Vector128<byte>.Count)
        {
            var (low, high) = Vector128.Widen(Vector128.Load(source + f));
            var (v0, v1) = Vector128.Widen(low);
            var (v2, v3) = Vector128.Widen(high);
            (Vector128.ConvertToSingle(v0) * scaleVector + shiftVector).Store(destination + f);
            (Vector128.ConvertToSingle(v1) * scaleVector + shiftVector).Store(destination + f + 4);
            (Vector128.ConvertToSingle(v2) * scaleVector + shiftVector).Store(destination + f + 8);
            (Vector128.ConvertToSingle(v3) * scaleVector + shiftVector).Store(destination + f + 12);
        }
        for (; f < planeSize; f++)
        {
            destination[f] = source[f] * scale + shift;
        }
    }
}
