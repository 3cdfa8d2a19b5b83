using ILGPU.Algorithms;

namespace Descent.Kernels.Ilgpu;

/// <summary>
/// Float helpers the kernels share. Everything stays in float: a double call such as Math.Exp turns
/// into a long software routine in PTX. Each form here stays finite where the textbook one overflows.
/// </summary>
internal static class DeviceMath
{
    /// <summary>1 / (1 + e^-x), split by sign so e^|x| is never formed and x = +-100 stays finite.</summary>
    public static float Sigmoid(float x)
    {
        var e = MathF.Exp(-MathF.Abs(x));
        return x >= 0f ? 1f / (1f + e) : e / (1f + e);
    }

    /// <summary>
    /// tanh(x) = sign(x) (1 - e^-2|x|) / (1 + e^-2|x|). ILGPU's PTX tanh is (e^2x - 1) / (e^2x + 1),
    /// which is infinity over infinity (NaN) once e^2x overflows, around x = 44.
    /// </summary>
    public static float Tanh(float x)
    {
        var e = MathF.Exp(-2f * MathF.Abs(x));
        var magnitude = (1f - e) / (1f + e);
        return x < 0f ? -magnitude : magnitude;
    }

    /// <summary>False for NaN and both infinities.</summary>
    public static bool IsFinite(float x) => !(XMath.IsNaN(x) || XMath.IsInfinity(x));
}
