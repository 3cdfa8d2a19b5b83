#version 450
// C (M,N) = epilogue(alpha * op(A) (M,K) * op(B) (K,N) + beta * C), row-major, one dot product per
// output: the reference variant. Strides as include/gemm_layout.glsl describes; the epilogue (bias,
// activation) as include/epilogue.glsl.
// The K products are added in order k = 0, 1, ..., as the CPU reference adds them. When beta is 0,
// C is only written, never read: its old contents, even NaN, cannot reach the result.
#extension GL_GOOGLE_include_directive : require
#include "include/device_math.glsl"
#include "include/grid_stride.glsl"
#include "include/gemm_layout.glsl"
#include "include/epilogue.glsl"

layout(std430, binding = 0) readonly buffer MatrixA { float a[]; };
layout(std430, binding = 1) readonly buffer MatrixB { float b[]; };
layout(std430, binding = 2) buffer MatrixC { float c[]; };

void main()
{
    uint a0 = a_base();
    uint b0 = b_base();
    uint c0 = c_base();
    uint outputs = m * n;
    for (uint element = gl_GlobalInvocationID.x; element < outputs; element += grid_stride())
    {
        uint row = element / n;
        uint col = element % n;
        float sum = 0.0;
        for (uint p = 0; p < k; p++)
        {
            sum += a[a0 + row * a_row_stride + p * a_col_stride] * b[b0 + p * b_row_stride + col * b_col_stride];
        }
        c[c0 + element] = epilogue(is_zero(beta) ? alpha * sum : alpha * sum + beta * c[c0 + element], row, col);
    }
}
