// Float helpers the shaders share, the same forms as src/Kernels/Ilgpu/DeviceMath.cs: each stays
// finite where the textbook form overflows.

// A quiet NaN; a macro because uintBitsToFloat is not a constant expression in GLSL 450.
#define QUIET_NAN uintBitsToFloat(0x7fc00000u)

// 1 / (1 + e^-x), split by sign so e^|x| is never formed and x = +-100 stays finite.
float stable_sigmoid(float x)
{
    float e = exp(-abs(x));
    return x >= 0.0 ? 1.0 / (1.0 + e) : e / (1.0 + e);
}

// tanh(x) = sign(x) (1 - e^-2|x|) / (1 + e^-2|x|); (e^2x - 1) / (e^2x + 1) would be NaN once e^2x overflows.
float stable_tanh(float x)
{
    float e = exp(-2.0 * abs(x));
    float magnitude = (1.0 - e) / (1.0 + e);
    return x < 0.0 ? -magnitude : magnitude;
}

bool is_finite(float x)
{
    return !(isnan(x) || isinf(x));
}
