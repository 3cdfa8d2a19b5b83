#version 450
// The second dispatch of a GEMM whose K was split (gemm_shared_register_blocks with split_depth): binding 0
// holds `splits` partial products of M x N, chunk z at z * M * N, and C (binding 1, from c_offset) becomes
// epilogue(alpha * (chunk 0 + chunk 1 + ... in that order) + beta * C), the bias (binding 2) and activation
// as every GEMM applies them (include/epilogue.glsl). One thread per output adds its chunks in a fixed
// order, so a split GEMM gives the same bits on every run; no atomics. The beta-0 rule as in gemm_naive.comp.
#extension GL_GOOGLE_include_directive : require
#include "include/grid_stride.glsl"
#include "include/device_math.glsl"
#define EPILOGUE_BIAS_BINDING 2
#include "include/epilogue.glsl"

layout(std430, binding = 0) readonly buffer Partials { float partials[]; };
layout(std430, binding = 1) buffer MatrixC { float c[]; };

layout(push_constant) uniform Arguments
{
    uint m;
    uint n;
    uint splits;
    float alpha;
    float beta;
    uint c_offset;
};

void main()
{
    uint outputs = m * n;
    for (uint i = gl_GlobalInvocationID.x; i < outputs; i += grid_stride())
    {
        float total = 0.0;
        for (uint split = 0; split < splits; split++)
        {
            total += partials[split * outputs + i];
        }
        uint element = c_offset + i;
        float product = alpha * total;
        c[element] = epilogue(is_zero(beta) ? product : product + beta * c[element], i / n, i % n);
    }
}
