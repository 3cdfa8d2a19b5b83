// Float helpers the shaders share, the same forms as src/Kernels/Ilgpu/DeviceMath.cs: each stays
// finite where the textbook form overflows.
//
// NaN, infinity and zero are tested on the float's bits, never with isnan(), isinf() or a float
// comparison: a driver may assume floats are never NaN or infinite unless the device promises
// shaderSignedZeroInfNanPreserveFloat32, and then fold OpIsNan and OpIsInf to false and reorder or
// invert comparisons. Integer operations on the bits have one meaning on every driver.
// tests/Descent.Tests/Vulkan/KeptSpirVTests.cs fails if any kept SPIR-V holds OpIsNan or OpIsInf.

// A quiet NaN; a macro because uintBitsToFloat is not a constant expression in GLSL 450.
#define QUIET_NAN uintBitsToFloat(0x7fc00000u)

const uint FLOAT_EXPONENT_BITS = 0x7f800000u;
const uint FLOAT_MAGNITUDE_BITS = 0x7fffffffu;

// Exponent all ones: infinite or NaN.
bool is_finite(float x)
{
    return (floatBitsToUint(x) & FLOAT_EXPONENT_BITS) != FLOAT_EXPONENT_BITS;
}

// Exponent all ones and a nonzero mantissa: the magnitude's bits lie above infinity's.
bool is_nan(float x)
{
    return (floatBitsToUint(x) & FLOAT_MAGNITUDE_BITS) > FLOAT_EXPONENT_BITS;
}

// +0 or -0.
bool is_zero(float x)
{
    return (floatBitsToUint(x) & FLOAT_MAGNITUDE_BITS) == 0u;
}

// a > b as IEEE defines it: false when either is NaN, whatever the driver assumes about NaN, since the
// comparison itself then only ever sees numbers.
bool is_greater(float a, float b)
{
    return !is_nan(a) && !is_nan(b) && a > b;
}

// The larger of a and b, or NaN if either is NaN, as MathF.Max: a NaN once seen stays.
float max_keeping_nan(float a, float b)
{
    if (is_nan(a))
    {
        return a;
    }
    return is_nan(b) || b > a ? b : a;
}

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
