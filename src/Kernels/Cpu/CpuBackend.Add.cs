using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

namespace Descent.Kernels.Cpu;

public sealed unsafe partial class CpuBackend
{
    protected override void AddCore(DeviceBuffer<float> a, DeviceBuffer<float> b, DeviceBuffer<float> y, int count) =>
        RunElementwise(new AddKernel(Pointer(a), Pointer(b), Pointer(y)), count);
}

/// <summary>
/// y = a + b over N elements, in the pool's slices. TensorPrimitives picks the widest vectors the
/// processor has; it accepts a destination that is exactly an input, which is the aliasing the op allows
/// (<see cref="ComputeBackend.Add"/> refuses a partial overlap before this runs).
/// </summary>
internal unsafe struct AddKernel(float* a, float* b, float* y) : IRangeKernel
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public readonly void Execute(int start, int end)
    {
        var length = end - start;
        TensorPrimitives.Add(new ReadOnlySpan<float>(a + start, length), new ReadOnlySpan<float>(b + start, length),
            new Span<float>(y + start, length));
    }
}
