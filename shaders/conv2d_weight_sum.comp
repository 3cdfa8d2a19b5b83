#version 450
// The weight gradient's last step, for images first_image, ... of the batch: partials (images, K, C*KH*KW)
// hold dY_n columns_n^T, one product per image (a batched GEMM), and dW (K, C*KH*KW) is their sum over
// the images in order; dBias[k] sums dY (N,K,P,Q) over those images and positions in order. With
// accumulate 1 (every chunk of images after the first) both add to what earlier chunks wrote; with 0
// they overwrite, never reading the old contents. Items 0 .. weights-1 are dW's elements, the next
// out_channels dBias's, one thread each: no atomics, the same sums on every run and device.
#extension GL_GOOGLE_include_directive : require
#include "include/grid_stride.glsl"

layout(std430, binding = 0) readonly buffer Partials { float partials[]; };
layout(std430, binding = 1) readonly buffer OutputGradient { float dy[]; };
layout(std430, binding = 2) buffer WeightGradient { float dw[]; };
layout(std430, binding = 3) buffer BiasGradient { float dbias[]; };

layout(push_constant) uniform Arguments
{
    uint first_image;
    uint images;
    uint weights;
    uint out_channels;
    uint plane;
    uint accumulate;
};

void main()
{
    uint count = weights + out_channels;
    for (uint item = gl_GlobalInvocationID.x; item < count; item += grid_stride())
    {
        float sum = 0.0;
        if (item < weights)
        {
            for (uint image = 0; image < images; image++)
            {
                sum += partials[image * weights + item];
            }
            dw[item] = accumulate == 1 ? dw[item] + sum : sum;
        }
        else
        {
            uint k = item - weights;
            for (uint image = first_image; image < first_image + images; image++)
            {
                uint start = (image * out_channels + k) * plane;
                for (uint position = 0; position < plane; position++)
                {
                    sum += dy[start + position];
                }
            }
            dbias[k] = accumulate == 1 ? dbias[k] + sum : sum;
        }
    }
}
