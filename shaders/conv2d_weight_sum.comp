#version 450
// The weight gradient's last step, for one chunk of images: partials (images, K, C*KH*KW + 1) hold
// dY_n [columns_n; ones]^T, one product per image (a batched GEMM), whose last column is dY_n summed over
// the positions. Without a bias (bias_column 0) the partials are (images, K, C*KH*KW), no last column, and
// dbias is never written. dW (K, C*KH*KW) and dBias (K) are the partials' sums over the images, added in order,
// one thread per element: no atomics, the same sums on every run and device. With accumulate 1 (every
// chunk after the first) they add to what earlier chunks wrote; with 0 they overwrite, never reading
// the old contents.
#extension GL_GOOGLE_include_directive : require
#include "include/grid_stride.glsl"

layout(std430, binding = 0) readonly buffer Partials { float partials[]; };
layout(std430, binding = 1) buffer WeightGradient { float dw[]; };
layout(std430, binding = 2) buffer BiasGradient { float dbias[]; };

layout(push_constant) uniform Arguments
{
    uint images;
    uint out_channels;
    uint row_length;
    uint accumulate;
    uint bias_column;
};

void main()
{
    uint count = out_channels * row_length;
    for (uint item = gl_GlobalInvocationID.x; item < count; item += grid_stride())
    {
        float sum = 0.0;
        for (uint image = 0; image < images; image++)
        {
            sum += partials[image * count + item];
        }
        uint k = item / row_length;
        uint column = item % row_length;
        uint weight_columns = row_length - bias_column;
        if (column < weight_columns)
        {
            uint weight = k * weight_columns + column;
            dw[weight] = accumulate == 1 ? dw[weight] + sum : sum;
        }
        else
        {
            dbias[k] = accumulate == 1 ? dbias[k] + sum : sum;
        }
    }
}
