#version 450
// Fill: buffer[offset .. offset + count) = value.
#extension GL_GOOGLE_include_directive : require
#include "include/grid_stride.glsl"

layout(std430, binding = 0) writeonly buffer Target { float buffer_[]; };

layout(push_constant) uniform Arguments
{
    float value;
    uint offset;
    uint count;
};

void main()
{
    for (uint i = gl_GlobalInvocationID.x; i < count; i += grid_stride())
    {
        buffer_[offset + i] = value;
    }
}
