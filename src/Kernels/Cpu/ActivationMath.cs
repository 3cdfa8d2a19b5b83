using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Descent.Kernels.Cpu;

/// <summary>
/// The activations in float, in forms that stay finite far into saturation, shared by the element-wise
/// kernels and the fused GEMM epilogue.
/// </summary>
internal static class ActivationMath
{
    /// <summary>1 / (1 + e^-x), split by sign so e^|x| is never formed and x = +-100 stays finite.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sigmoid(float x)
    {
        var e = MathF.Exp(-MathF.Abs(x));
        return x >= 0f ? 1f / (1f + e) : e / (1f + e);
    }

    /// <summary>tanh(x) = sign(x) (1 - e^-2|x|) / (1 + e^-2|x|): never infinity over infinity.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Tanh(float x)
    {
        var e = MathF.Exp(-2f * MathF.Abs(x));
        var magnitude = (1f - e) / (1f + e);
        return x < 0f ? -magnitude : magnitude;
    }

    /// <summary>max(x, 0) with a NaN kept as NaN (a plain max instruction would turn it into 0 and hide it).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Relu(float x) => x < 0f ? 0f : x;

    /// <summary><see cref="Relu(float)"/> on a vector: lanes below 0 become 0; NaN compares false and stays.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Relu(Vector256<float> x) =>
        Vector256.ConditionalSelect(Vector256.LessThan(x, Vector256<float>.Zero), Vector256<float>.Zero, x);

    /// <summary>f(x) for one element.</summary>
    public static float Activate(Activation activation, float x) => activation switch
    {
        Activation.Relu => Relu(x),
        Activation.Sigmoid => Sigmoid(x),
        Activation.Tanh => Tanh(x),
        _ => throw new InvalidInputException($"unknown activation {activation}"),
    };
}
