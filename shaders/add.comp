#version 450
// Element-wise sum over N elements: y = a + b; binding 0 = a, 1 = b, 2 = y.
// y may be the same buffer as a or b (bound twice): each element is read before it is written.
#extension GL_GOOGLE_include_directive : require
#include "include/grid_stride.glsl"

layout(std430, binding = 0) readonly buffer First { float a[]; };
layout(std430, binding = 1) readonly buffer Second { float b[]; };
layout(std430, binding = 2) writeonly buffer Sum { float y[]; };

layout(push_constant) uniform Arguments
{
    uint count;
};

void main()
{
    for (uint i = gl_GlobalInvocationID.x; i < count; i += grid_stride())
    {
        y[i] = a[i] + b[i];
    }
}
