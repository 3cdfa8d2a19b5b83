namespace Descent.Kernels.Vulkan;

public sealed partial class VulkanBackend
{
    protected override void SoftmaxCrossEntropyCore(DeviceBuffer<float> logits, DeviceBuffer<int> labels,
        DeviceBuffer<float> dLogits, DeviceBuffer<float> rowStats, DeviceBuffer<float> metrics, int slot, int rows, int cols)
    {
        Dispatch(Shader.Named("softmax_cross_entropy"), GridStride(),
            [Allocation(logits), Allocation(labels), Allocation(dLogits), Allocation(rowStats)],
            new SoftmaxCrossEntropyArguments((uint)rows, (uint)cols), shape.GridStrideGroups(rows));
        ReduceMetrics(rowStats, metrics, slot, rows);
    }

    protected override void BinaryLossCore(BinaryLoss loss, DeviceBuffer<float> logits, DeviceBuffer<int> targets,
        DeviceBuffer<float> dLogits, DeviceBuffer<float> rowStats, DeviceBuffer<float> metrics, int slot, int rows)
    {
        Dispatch(Shader.Named("binary_loss"), GridStride(Code(loss, "binary loss")),
            [Allocation(logits), Allocation(targets), Allocation(dLogits), Allocation(rowStats)],
            new BinaryLossArguments((uint)rows), shape.GridStrideGroups(rows));
        ReduceMetrics(rowStats, metrics, slot, rows);
    }

    /// <summary>One thread sums the loss op's rowStats into the metric slot, in row order.</summary>
    private void ReduceMetrics(DeviceBuffer<float> rowStats, DeviceBuffer<float> metrics, int slot, int rows) =>
        Dispatch(Shader.Named("metrics"), GridStride(), [Allocation(rowStats), Allocation(metrics)],
            new MetricsArguments((uint)rows, (uint)slot), 1);

    [PushConstantsFor("softmax_cross_entropy")]
    private readonly record struct SoftmaxCrossEntropyArguments(uint Rows, uint Cols);

    [PushConstantsFor("binary_loss")]
    private readonly record struct BinaryLossArguments(uint Rows);

    [PushConstantsFor("metrics")]
    private readonly record struct MetricsArguments(uint Rows, uint Slot);
}
