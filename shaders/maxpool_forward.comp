#version 450
// Max-pooling, x (N,C,H,W) -> y (N,C,P,Q): y is the maximum of the kernel_size x kernel_size window at
// (p*stride, q*stride), and argmax its index h*W + w in the input plane, which the backward pass reads.
// The window is walked in row-major order and a value replaces the maximum only when strictly
// greater, so the first of equal values wins; a NaN, once met, wins and stays (tested on its bits,
// include/device_math.glsl). One thread per output.
#extension GL_GOOGLE_include_directive : require
#include "include/device_math.glsl"
#include "include/grid_stride.glsl"
#include "include/pool_layout.glsl"

layout(std430, binding = 0) readonly buffer Input { float x[]; };
layout(std430, binding = 1) buffer Output { float y[]; };
layout(std430, binding = 2) buffer Argmax { int argmax[]; };

void main()
{
    uint outputs_per_plane = out_height * out_width;
    uint count = planes * outputs_per_plane;
    for (uint i = gl_GlobalInvocationID.x; i < count; i += grid_stride())
    {
        uint plane_start = (i / outputs_per_plane) * height * width;
        uint top = ((i % outputs_per_plane) / out_width) * stride;
        uint left = (i % out_width) * stride;
        uint best_index = top * width + left;
        float best = x[plane_start + best_index];
        for (uint r = 0; r < kernel_size; r++)
        {
            for (uint s = 0; s < kernel_size; s++)
            {
                uint index = (top + r) * width + left + s;
                float value = x[plane_start + index];
                if (!is_nan(best) && (is_nan(value) || is_greater(value, best)))
                {
                    best = value;
                    best_index = index;
                }
            }
        }
        y[i] = best;
        argmax[i] = int(best_index);
    }
}
