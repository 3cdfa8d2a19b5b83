namespace Descent.Kernels.Vulkan;

public sealed partial class VulkanBackend
{
    protected override void SgdUpdateCore(DeviceBuffer<float> parameters, DeviceBuffer<float> gradients,
        DeviceBuffer<float> velocity, int count, float learningRate, float momentum, float weightDecay, bool nesterov) =>
        Dispatch(Shader.Named("sgd"), GridStride(),
            [Allocation(parameters), Allocation(gradients), Allocation(velocity)],
            new SgdArguments((uint)count, learningRate, momentum, weightDecay, nesterov ? 1u : 0u), shape.GridStrideGroups(count));

    protected override void AdamWUpdateCore(DeviceBuffer<float> parameters, DeviceBuffer<float> gradients,
        DeviceBuffer<float> firstMoment, DeviceBuffer<float> secondMoment, int count, AdamWStep step) =>
        Dispatch(Shader.Named("adamw"), GridStride(),
            [Allocation(parameters), Allocation(gradients), Allocation(firstMoment), Allocation(secondMoment)],
            new AdamWArguments((uint)count, step), shape.GridStrideGroups(count));

    [PushConstantsFor("sgd")]
    private readonly record struct SgdArguments(uint Count, float LearningRate, float Momentum, float WeightDecay, uint Nesterov);

    /// <summary>The step's fields follow the count in their declaration order, as adamw.comp lists them.</summary>
    [PushConstantsFor("adamw")]
    private readonly record struct AdamWArguments(uint Count, AdamWStep Step);

    protected override void AdadeltaUpdateCore(DeviceBuffer<float> parameters, DeviceBuffer<float> gradients, DeviceBuffer<float> squareAverage,
        DeviceBuffer<float> deltaAverage, int count, AdadeltaStep step) =>
        Dispatch(Shader.Named("adadelta"), GridStride(),
            [Allocation(parameters), Allocation(gradients), Allocation(squareAverage), Allocation(deltaAverage)],
            new AdadeltaArguments((uint)count, step), shape.GridStrideGroups(count));

    /// <summary>The step's fields follow the count in their declaration order, as adadelta.comp lists them.</summary>
    [PushConstantsFor("adadelta")]
    private readonly record struct AdadeltaArguments(uint Count, AdadeltaStep Step);
}
