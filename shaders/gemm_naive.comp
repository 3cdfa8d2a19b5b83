#version 450
// C (M,N) = alpha * op(A) (M,K) * op(B) (K,N) + beta * C, row-major, one dot product per output:
// the reference variant. op(A)(r, p) = a[r * a_row_stride + p * a_col_stride] and
// op(B)(p, c) = b[p * b_row_stride + c * b_col_stride], so a transpose costs nothing.
// The K products are added in order k = 0, 1, ..., as the CPU reference adds them. When beta is 0,
// C is only written, never read: its old contents, even NaN, cannot reach the result.
#extension GL_GOOGLE_include_directive : require
#include "include/device_math.glsl"
#include "include/grid_stride.glsl"

layout(std430, binding = 0) readonly buffer MatrixA { float a[]; };
layout(std430, binding = 1) readonly buffer MatrixB { float b[]; };
layout(std430, binding = 2) buffer MatrixC { float c[]; };

layout(push_constant) uniform Layout
{
    uint m;
    uint n;
    uint k;
    uint a_row_stride;
    uint a_col_stride;
    uint b_row_stride;
    uint b_col_stride;
    float alpha;
    float beta;
};

void main()
{
    uint outputs = m * n;
    for (uint element = gl_GlobalInvocationID.x; element < outputs; element += grid_stride())
    {
        uint row = element / n;
        uint col = element % n;
        float sum = 0.0;
        for (uint p = 0; p < k; p++)
        {
            sum += a[row * a_row_stride + p * a_col_stride] * b[p * b_row_stride + col * b_col_stride];
        }
        c[element] = is_zero(beta) ? alpha * sum : alpha * sum + beta * c[element];
    }
}
