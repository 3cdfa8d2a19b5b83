using Descent.Kernels;

namespace Descent.Tests.Engine;

/// <summary>
/// A backend whose ops do nothing and allocate nothing: what remains allocated around a training
/// step is the engine's own doing. Downloads read zeros (a finite loss, nothing correct).
/// </summary>
public sealed class InertBackend : ComputeBackend
{
    public override string Name => "inert";

    public override string DeviceDescription => "no device: ops are no-ops";

    public override IReadOnlyList<GemmAlgorithm> GemmAlgorithms { get; } = [GemmAlgorithm.Naive];

    protected override DeviceBuffer<T> AllocateCore<T>(int length) => new InertBuffer<T>(this, length);

    protected override void UploadCore<T>(DeviceBuffer<T> destination, ReadOnlySpan<T> source, int offset)
    {
    }

    protected override void DownloadCore<T>(DeviceBuffer<T> source, Span<T> destination, int offset) => destination.Clear();

    protected override void SynchronizeCore()
    {
    }

    protected override void FillCore(DeviceBuffer<float> buffer, float value, int offset, int count)
    {
    }

    protected override void GemmCore(bool transposeA, bool transposeB, int m, int n, int k, float alpha,
        DeviceBuffer<float> a, DeviceBuffer<float> b, float beta, DeviceBuffer<float> c, GemmAlgorithm algorithm)
    {
    }

    protected override void BiasAddCore(DeviceBuffer<float> y, DeviceBuffer<float> bias, int rows, int cols)
    {
    }

    protected override void BiasBackwardCore(DeviceBuffer<float> dY, DeviceBuffer<float> dBias, int rows, int cols, float beta)
    {
    }

    protected override void ActivationForwardCore(Activation activation, DeviceBuffer<float> x, DeviceBuffer<float> y, int count)
    {
    }

    protected override void ActivationBackwardCore(Activation activation, DeviceBuffer<float> dY, DeviceBuffer<float> y,
        DeviceBuffer<float> dX, int count)
    {
    }

    protected override void SoftmaxForwardCore(DeviceBuffer<float> x, DeviceBuffer<float> y, int rows, int cols)
    {
    }

    protected override void SoftmaxBackwardCore(DeviceBuffer<float> dY, DeviceBuffer<float> y, DeviceBuffer<float> dX, int rows, int cols)
    {
    }

    protected override void SoftmaxCrossEntropyCore(DeviceBuffer<float> logits, DeviceBuffer<int> labels, DeviceBuffer<float> dLogits,
        DeviceBuffer<float> rowStats, DeviceBuffer<float> metrics, int slot, int rows, int cols)
    {
    }

    protected override void BinaryLossCore(BinaryLoss loss, DeviceBuffer<float> logits, DeviceBuffer<int> targets,
        DeviceBuffer<float> dLogits, DeviceBuffer<float> rowStats, DeviceBuffer<float> metrics, int slot, int rows)
    {
    }

    protected override void SgdUpdateCore(DeviceBuffer<float> parameters, DeviceBuffer<float> gradients, DeviceBuffer<float> velocity,
        int count, float learningRate, float momentum, float weightDecay)
    {
    }

    protected override void AdamWUpdateCore(DeviceBuffer<float> parameters, DeviceBuffer<float> gradients,
        DeviceBuffer<float> firstMoment, DeviceBuffer<float> secondMoment, int count, AdamWStep step)
    {
    }

    protected override void GatherBatchCore(DeviceBuffer<byte> pixels, DeviceBuffer<int> labels, DeviceBuffer<int> order, int start,
        int count, int features, float scale, float shift, DeviceBuffer<float> inputs, DeviceBuffer<int> batchLabels)
    {
    }

    protected override void DisposeCore()
    {
    }

    private sealed class InertBuffer<T>(ComputeBackend owner, int length) : DeviceBuffer<T>(owner, length) where T : unmanaged
    {
        protected override void Release()
        {
        }
    }
}
