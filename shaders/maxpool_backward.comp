#version 450
// Max-pooling's gradient, dY (N,C,P,Q) and argmax -> dX (N,C,H,W): dX[h, w] is the sum of dY over the
// windows whose argmax is h*W + w, zero elsewhere. One thread per element of dX gathers from the
// windows that contain it (rows p with p*stride <= h < p*stride + kernel_size, likewise columns), in
// order p, q: no atomics, the same sum on every run and device, and every element is written.
#extension GL_GOOGLE_include_directive : require
#include "include/grid_stride.glsl"
#include "include/pool_layout.glsl"

layout(std430, binding = 0) readonly buffer OutputGradient { float dy[]; };
layout(std430, binding = 1) readonly buffer Argmax { int argmax[]; };
layout(std430, binding = 2) buffer InputGradient { float dx[]; };

// The first window index (row or column) whose window reaches position, ceil((position - kernel_size + 1) / stride).
uint first_window(uint position)
{
    return position + 1 > kernel_size ? (position + 1 - kernel_size + stride - 1) / stride : 0;
}

void main()
{
    uint plane = height * width;
    uint count = planes * plane;
    for (uint i = gl_GlobalInvocationID.x; i < count; i += grid_stride())
    {
        uint index = i % plane;
        uint h = index / width;
        uint w = index % width;
        uint windows_start = (i / plane) * out_height * out_width;
        uint last_p = min(h / stride, out_height - 1);
        uint last_q = min(w / stride, out_width - 1);
        float sum = 0.0;
        for (uint p = first_window(h); p <= last_p; p++)
        {
            for (uint q = first_window(w); q <= last_q; q++)
            {
                uint window = windows_start + p * out_width + q;
                if (argmax[window] == int(index))
                {
                    sum += dy[window];
                }
            }
        }
        dx[i] = sum;
    }
}
