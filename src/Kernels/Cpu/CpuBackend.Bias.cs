using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Descent.Kernels.Cpu;

public sealed unsafe partial class CpuBackend
{
    protected override void BiasAddCore(DeviceBuffer<float> y, DeviceBuffer<float> bias, int rows, int cols) =>
        pool.Run(new BiasAddKernel(Pointer(y), Pointer(bias), cols), rows, 1, Math.Max(1, SerialElementsBelow / cols));

    protected override void BiasBackwardCore(DeviceBuffer<float> dY, DeviceBuffer<float> dBias, int rows, int cols, float beta) =>
        pool.Run(new BiasBackwardKernel(Pointer(dY), Pointer(dBias), rows, cols, beta), cols, Vector256<float>.Count,
            Math.Max(1, SerialElementsBelow / rows));
}

/// <summary>y (B,C) += bias (C), broadcast over rows; items are rows.</summary>
internal unsafe struct BiasAddKernel(float* y, float* bias, int cols) : IRangeKernel
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public readonly void Execute(int start, int end)
    {
        for (var row = start; row < end; row++)
        {
            var values = y + (long)row * cols;
            var col = 0;
            for (; col + Vector256<float>.Count <= cols; col += Vector256<float>.Count)
            {
                (Vector256.Load(values + col) + Vector256.Load(bias + col)).Store(values + col);
            }
            for (; col < cols; col++)
            {
                values[col] += bias[col];
            }
        }
    }
}

/// <summary>
/// dBias (C) = beta * dBias + sum over rows of dY (B,C); items are columns. Each column adds its rows
/// in order (eight columns side by side in a vector, each lane its own ordered sum), so the result is
/// the same whatever the split. Beta 0 overwrites: a stale or NaN dBias never leaks in.
/// </summary>
internal unsafe struct BiasBackwardKernel(float* dY, float* dBias, int rows, int cols, float beta) : IRangeKernel
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public readonly void Execute(int start, int end)
    {
        var col = start;
        for (; col + Vector256<float>.Count <= end; col += Vector256<float>.Count)
        {
            var sum = Vector256<float>.Zero;
            for (var row = 0; row < rows; row++)
            {
                sum += Vector256.Load(dY + (long)row * cols + col);
            }
            if (beta != 0f)
            {
                sum = Vector256.Create(beta) * Vector256.Load(dBias + col) + sum;
            }
            sum.Store(dBias + col);
        }
        for (; col < end; col++)
        {
            var sum = 0f;
            for (var row = 0; row < rows; row++)
            {
                sum += dY[(long)row * cols + col];
            }
            dBias[col] = beta == 0f ? sum : beta * dBias[col] + sum;
        }
    }
}
