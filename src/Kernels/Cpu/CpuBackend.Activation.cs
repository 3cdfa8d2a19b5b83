using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Descent.Kernels.Cpu;

public sealed unsafe partial class CpuBackend
{
    protected override void ActivationForwardCore(Activation activation, DeviceBuffer<float> x, DeviceBuffer<float> y, int count) =>
        RunElementwise(new ActivationForwardKernel(activation, Pointer(x), Pointer(y)), count);

    protected override void ActivationBackwardCore(Activation activation, DeviceBuffer<float> dY, DeviceBuffer<float> y,
        DeviceBuffer<float> dX, int count) =>
        RunElementwise(new ActivationBackwardKernel(activation, Pointer(dY), Pointer(y), Pointer(dX)), count);
}

/// <summary>
/// y (N) = f(x (N)); x and y may be the same buffer. ReLU is a vector select; sigmoid and tanh use
/// TensorPrimitives, whose vectorised exp is accurate to about an ulp and saturates cleanly at +-100.
/// </summary>
internal unsafe struct ActivationForwardKernel(Activation activation, float* x, float* y) : IRangeKernel
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public readonly void Execute(int start, int end)
    {
        var input = new ReadOnlySpan<float>(x + start, end - start);
        var output = new Span<float>(y + start, end - start);
        switch (activation)
        {
            case Activation.Relu:
                var i = 0;
                for (; i + Vector256<float>.Count <= input.Length; i += Vector256<float>.Count)
                {
                    ActivationMath.Relu(Vector256.Create(input.Slice(i, Vector256<float>.Count))).CopyTo(output[i..]);
                }
                for (; i < input.Length; i++)
                {
                    output[i] = ActivationMath.Relu(input[i]);
                }
                break;
            case Activation.Sigmoid:
                TensorPrimitives.Sigmoid(input, output);
                break;
            case Activation.Tanh:
                TensorPrimitives.Tanh(input, output);
                break;
            default:
                throw new InvalidInputException($"unknown activation {activation}");
        }
    }
}

/// <summary>
/// dX (N) = dY (N) * f'(x), with f' written through the forward output y (N); dY and dX may be the
/// same buffer (each element is read before it is written).
/// </summary>
internal unsafe struct ActivationBackwardKernel(Activation activation, float* dY, float* y, float* dX) : IRangeKernel
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public readonly void Execute(int start, int end)
    {
        var i = start;
        var one = Vector256.Create(1f);
        for (; i + Vector256<float>.Count <= end; i += Vector256<float>.Count)
        {
            var gradient = Vector256.Load(dY + i);
            var output = Vector256.Load(y + i);
            var result = activation switch
            {
                // Selecting rather than multiplying by 0 keeps a non-finite dY out of inactive units.
                Activation.Relu => Vector256.ConditionalSelect(Vector256.GreaterThan(output, Vector256<float>.Zero), gradient,
                    Vector256<float>.Zero),
                Activation.Sigmoid => gradient * output * (one - output),
                Activation.Tanh => gradient * (one - output * output),
                _ => throw new InvalidInputException($"unknown activation {activation}"),
            };
            result.Store(dX + i);
        }
        for (; i < end; i++)
        {
            var output = y[i];
            dX[i] = activation switch
            {
                Activation.Relu => output > 0f ? dY[i] : 0f,
                Activation.Sigmoid => dY[i] * output * (1f - output),
                Activation.Tanh => dY[i] * (1f - output * output),
                _ => throw new InvalidInputException($"unknown activation {activation}"),
            };
        }
    }
}
