using System.Runtime.CompilerServices;

namespace Descent.Kernels.Cpu;

public sealed unsafe partial class CpuBackend
{
    protected override void FillCore(DeviceBuffer<float> buffer, float value, int offset, int count) =>
        RunElementwise(new FillKernel(Pointer(buffer) + offset, value), count);
}

/// <summary>buffer[i] = value over N elements: a step's gradient zeroing, about 400 KB for a 784-128-10 model.</summary>
internal unsafe struct FillKernel(float* buffer, float value) : IRangeKernel
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public readonly void Execute(int start, int end) => new Span<float>(buffer + start, end - start).Fill(value);
}
