namespace Descent.Kernels.Vulkan;

public sealed partial class VulkanBackend
{
    protected override void DropoutForwardCore(DeviceBuffer<float> x, DeviceBuffer<float> y, int count, DropoutStep step) =>
        Dropout(x, y, count, step);

    protected override void DropoutBackwardCore(DeviceBuffer<float> dY, DeviceBuffer<float> dX, int count, DropoutStep step) =>
        Dropout(dY, dX, count, step);

    /// <summary>target = source * KeptScale where the mask keeps an element, else 0: forward and backward are the same shader.</summary>
    private void Dropout(DeviceBuffer<float> source, DeviceBuffer<float> target, int count, DropoutStep step) =>
        Dispatch(Shader.Named("dropout"), GridStride(), [Allocation(source), Allocation(target)], DropoutArguments.For(count, step),
            shape.GridStrideGroups(DropoutMask.CounterRange(count, step).Counters));

    [PushConstantsFor("dropout")]
    private readonly record struct DropoutArguments(uint Count, uint KeepThreshold, float KeptScale, uint Seed, uint Stream, uint Step,
        uint FirstElement)
    {
        /// <summary>
        /// DropoutMask keeps element i when (word >> 8) * 2^-24 >= p, that is when (word >> 8) >= ceil(p * 2^24): the
        /// threshold the shader compares integers with. p * 2^24 is exact in double (p is a float), so the two agree for every word.
        /// </summary>
        public static DropoutArguments For(int count, DropoutStep step) => new((uint)count,
            KeepThreshold: DropoutMask.KeepThreshold(step.Probability), step.KeptScale, step.Seed, step.Stream, step.Step, step.FirstElement);
    }
}
