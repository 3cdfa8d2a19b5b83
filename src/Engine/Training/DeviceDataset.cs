using Descent.Engine.Data;
using Descent.Kernels;

namespace Descent.Engine.Training;

/// <summary>
/// A labelled image set held on the device as it is on disk: one byte per pixel (a quarter of the
/// memory of floats) and one int label per item. Batches are gathered and scaled on the device.
/// </summary>
public sealed class DeviceDataset : IDisposable
{
    private readonly ComputeBackend backend;

    /// <summary>Uploads a loaded dataset: its pixels, labels, feature and class counts.</summary>
    public DeviceDataset(ComputeBackend backend, ImageDataset data)
        : this(backend, data.Pixels, data.Labels, data.Features, data.Classes)
    {
    }

    public DeviceDataset(ComputeBackend backend, ReadOnlySpan<byte> pixels, ReadOnlySpan<int> labels, int features, int classes)
    {
        if (features <= 0 || labels.Length == 0 || pixels.Length != (long)labels.Length * features)
        {
            throw new InvalidInputException(
                $"a dataset of {labels.Length} items with {features} features needs {(long)labels.Length * features} pixels, got {pixels.Length}");
        }
        Count = labels.Length;
        Features = features;
        Classes = classes;
        Pixels = backend.Allocate<byte>(pixels.Length);
        Labels = backend.Allocate<int>(Count);
        Order = backend.Allocate<int>(Count);
        backend.Upload(Pixels, pixels);
        backend.Upload(Labels, labels);
        HostOrder = new int[Count];
        SetIdentity(HostOrder);
        backend.Upload<int>(Order, HostOrder);
        this.backend = backend;
    }

    public int Count { get; }

    public int Features { get; }

    public int Classes { get; }

    public DeviceBuffer<byte> Pixels { get; }

    public DeviceBuffer<int> Labels { get; }

    /// <summary>The order batches are gathered in: the identity until <see cref="Shuffle"/>.</summary>
    public DeviceBuffer<int> Order { get; }

    private int[] HostOrder { get; }

    /// <summary>The permutation of the items for this seed and epoch (<see cref="EpochPermutation"/>), uploaded once.</summary>
    public void Shuffle(int seed, int epoch)
    {
        EpochPermutation.Fill(HostOrder, seed, epoch);
        backend.Upload<int>(Order, HostOrder);
    }

    public void Dispose()
    {
        Pixels.Dispose();
        Labels.Dispose();
        Order.Dispose();
    }

    private static void SetIdentity(int[] order)
    {
        for (var i = 0; i < order.Length; i++)
        {
            order[i] = i;
        }
    }
}
