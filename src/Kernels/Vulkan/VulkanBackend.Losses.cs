namespace Descent.Kernels.Vulkan;

// Each loss is one workgroup that also sums its rowStats into the metric slot, in row order
// (shaders/include/metric_slot.glsl): one dispatch instead of a loss and a reduction.
public sealed partial class VulkanBackend
{
    protected override void SoftmaxCrossEntropyCore(DeviceBuffer<float> logits, DeviceBuffer<int> labels,
        DeviceBuffer<float> dLogits, DeviceBuffer<float> rowStats, DeviceBuffer<float> metrics, int slot, int rows, int cols,
        float labelSmoothing) =>
        Dispatch(Shader.Named("softmax_cross_entropy"), GridStride(),
            [Allocation(logits), Allocation(labels), Allocation(dLogits), Allocation(rowStats), Allocation(metrics)],
            new SoftmaxCrossEntropyArguments((uint)rows, (uint)cols, (uint)slot, labelSmoothing), 1);

    protected override void BinaryLossForwardBackwardCore(BinaryLoss loss, DeviceBuffer<float> logits, DeviceBuffer<int> targets,
        DeviceBuffer<float> dLogits, DeviceBuffer<float> rowStats, DeviceBuffer<float> metrics, int slot, int rows) =>
        Dispatch(Shader.Named("binary_loss"), GridStride(Code(loss, "binary loss")),
            [Allocation(logits), Allocation(targets), Allocation(dLogits), Allocation(rowStats), Allocation(metrics)],
            new BinaryLossArguments((uint)rows, (uint)slot), 1);

    [PushConstantsFor("softmax_cross_entropy")]
    private readonly record struct SoftmaxCrossEntropyArguments(uint Rows, uint Cols, uint Slot, float LabelSmoothing);

    [PushConstantsFor("binary_loss")]
    private readonly record struct BinaryLossArguments(uint Rows, uint Slot);
}
