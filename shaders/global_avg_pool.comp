#version 450
// Global average pooling and its gradient, one shader for both directions.
// Forward (backward 0): x (N*C, H*W) -> y (N*C), one thread per plane, adding its values in order and
// dividing by their count: no atomics, the same sum on every run and device.
// Backward (backward 1): dY (N*C) -> dX (N*C, H*W), one thread per element of dX: its plane's gradient
// divided by the plane's length, since every value had the same share in the mean.
#extension GL_GOOGLE_include_directive : require
#include "include/grid_stride.glsl"

layout(std430, binding = 0) readonly buffer Source { float source[]; };
layout(std430, binding = 1) buffer Destination { float destination[]; };

layout(push_constant) uniform Arguments
{
    uint planes;
    uint plane_length;
    uint backward;
};

void main()
{
    if (backward == 1)
    {
        uint count = planes * plane_length;
        for (uint i = gl_GlobalInvocationID.x; i < count; i += grid_stride())
        {
            destination[i] = source[i / plane_length] / float(plane_length);
        }
        return;
    }
    for (uint plane = gl_GlobalInvocationID.x; plane < planes; plane += grid_stride())
    {
        float sum = 0.0;
        for (uint i = 0; i < plane_length; i++)
        {
            sum += source[plane * plane_length + i];
        }
        destination[plane] = sum / float(plane_length);
    }
}
