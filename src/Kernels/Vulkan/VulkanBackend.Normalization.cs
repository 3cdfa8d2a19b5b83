namespace Descent.Kernels.Vulkan;

public sealed partial class VulkanBackend
{
    protected override void BatchNormForwardTrainingCore(DeviceBuffer<float> x, DeviceBuffer<float> weight, DeviceBuffer<float> bias,
        DeviceBuffer<float> runningMean, DeviceBuffer<float> runningVar, DeviceBuffer<float> y, DeviceBuffer<float> saveMean,
        DeviceBuffer<float> saveInvStd, BatchNormShape shape, float momentum, float eps) =>
        Dispatch(Shader.Named("batchnorm_training"), GridStride(),
            [Allocation(x), Allocation(weight), Allocation(bias), Allocation(runningMean), Allocation(runningVar), Allocation(y),
                Allocation(saveMean), Allocation(saveInvStd)],
            new BatchNormTrainingArguments((uint)shape.Batch, (uint)shape.Channels, (uint)shape.PlaneSize, momentum, eps),
            ChannelGroups(shape));

    protected override void BatchNormForwardEvaluationCore(DeviceBuffer<float> x, DeviceBuffer<float> weight, DeviceBuffer<float> bias,
        DeviceBuffer<float> runningMean, DeviceBuffer<float> runningVar, DeviceBuffer<float> y, BatchNormShape shape, float eps) =>
        Dispatch(Shader.Named("batchnorm_evaluation"), GridStride(),
            [Allocation(x), Allocation(weight), Allocation(bias), Allocation(runningMean), Allocation(runningVar), Allocation(y)],
            new BatchNormEvaluationArguments((uint)shape.Batch, (uint)shape.Channels, (uint)shape.PlaneSize, eps),
            this.shape.GridStrideGroups(shape.Length));

    protected override void BatchNormBackwardCore(DeviceBuffer<float> dY, DeviceBuffer<float> x, DeviceBuffer<float> weight,
        DeviceBuffer<float> saveMean, DeviceBuffer<float> saveInvStd, DeviceBuffer<float> dX, DeviceBuffer<float> dWeight,
        DeviceBuffer<float> dBias, BatchNormShape shape) =>
        Dispatch(Shader.Named("batchnorm_backward"), GridStride(),
            [Allocation(dY), Allocation(x), Allocation(weight), Allocation(saveMean), Allocation(saveInvStd), Allocation(dX),
                Allocation(dWeight), Allocation(dBias)],
            new BatchNormBackwardArguments((uint)shape.Batch, (uint)shape.Channels, (uint)shape.PlaneSize),
            ChannelGroups(shape));

    /// <summary>
    /// One workgroup per channel for the training forward and the backward, which reduce a channel's values together
    /// (include/channel_sum.glsl). More channels than one dispatch may have groups is bad input, found before any work.
    /// </summary>
    private uint ChannelGroups(BatchNormShape shape) =>
        shape.Channels <= this.shape.MaxGroupsX
            ? (uint)shape.Channels
            : throw new InvalidInputException($"batch normalisation over {shape.Channels} channels: {Name} dispatches at most {this.shape.MaxGroupsX} groups");

    [PushConstantsFor("batchnorm_training")]
    private readonly record struct BatchNormTrainingArguments(uint Batch, uint Channels, uint PlaneSize, float Momentum, float Eps);

    [PushConstantsFor("batchnorm_evaluation")]
    private readonly record struct BatchNormEvaluationArguments(uint Batch, uint Channels, uint PlaneSize, float Eps);

    [PushConstantsFor("batchnorm_backward")]
    private readonly record struct BatchNormBackwardArguments(uint Batch, uint Channels, uint PlaneSize);
}
