using System.Runtime.CompilerServices;

namespace Descent.Kernels.Cpu;

public sealed unsafe partial class CpuBackend
{
    protected override void SoftmaxForwardCore(DeviceBuffer<float> x, DeviceBuffer<float> y, int rows, int cols) =>
        pool.Run(new SoftmaxForwardKernel(Pointer(x), Pointer(y), cols), rows, 1, Math.Max(SerialRowsBelow, SerialElementsBelow / cols));

    protected override void SoftmaxBackwardCore(DeviceBuffer<float> dY, DeviceBuffer<float> y, DeviceBuffer<float> dX, int rows, int cols) =>
        pool.Run(new SoftmaxBackwardKernel(Pointer(dY), Pointer(y), Pointer(dX), cols), rows, 1,
            Math.Max(SerialRowsBelow, SerialElementsBelow / cols));
}

/// <summary>
/// y (B,C) = e^(x - rowmax) / sum of e^(x - rowmax), row by row; items are rows. C is a class count,
/// small, so each row is a short scalar loop whose sum runs in column order.
/// </summary>
internal unsafe struct SoftmaxForwardKernel(float* x, float* y, int cols) : IRangeKernel
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public readonly void Execute(int start, int end)
    {
        for (var row = start; row < end; row++)
        {
            var input = x + (long)row * cols;
            var output = y + (long)row * cols;
            var max = input[0];
            for (var col = 1; col < cols; col++)
            {
                max = MathF.Max(max, input[col]);
            }
            var sum = 0f;
            for (var col = 0; col < cols; col++)
            {
                var e = MathF.Exp(input[col] - max);
                output[col] = e;
                sum += e;
            }
            for (var col = 0; col < cols; col++)
            {
                output[col] /= sum;
            }
        }
    }
}

/// <summary>dX (B,C) = y * (dY - sum_j dY[j] * y[j]) per row; items are rows; dX may be dY.</summary>
internal unsafe struct SoftmaxBackwardKernel(float* dY, float* y, float* dX, int cols) : IRangeKernel
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public readonly void Execute(int start, int end)
    {
        for (var row = start; row < end; row++)
        {
            var offset = (long)row * cols;
            var dot = 0f;
            for (var col = 0; col < cols; col++)
            {
                dot += dY[offset + col] * y[offset + col];
            }
            for (var col = 0; col < cols; col++)
            {
                dX[offset + col] = y[offset + col] * (dY[offset + col] - dot);
            }
        }
    }
}
