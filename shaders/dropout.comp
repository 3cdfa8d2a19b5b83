#version 450
// Dropout, forward and backward alike: target[i] = source[i] * kept_scale where the mask keeps element
// i, else 0 (y from x, or dX from dY; target may be source). The mask is DropoutMask's: element e = i + first_element
// takes word e mod 4 of Philox4x32-10 (include/philox.glsl) at counter (e div 4, step) and key (seed, stream), and is
// kept when its uniform number (word >> 8) * 2^-24 is at least the probability p. The host sends keep_threshold = ceil(p * 2^24), so
// the test is on integers, (word >> 8) >= keep_threshold, the same decision with no float comparison a
// driver could reorder.
#extension GL_GOOGLE_include_directive : require
#include "include/grid_stride.glsl"
#include "include/philox.glsl"

layout(std430, binding = 0) readonly buffer Source { float source[]; };
layout(std430, binding = 1) buffer Target { float target[]; };

layout(push_constant) uniform Arguments
{
    uint count;
    uint keep_threshold;
    float kept_scale;
    uint seed;
    uint stream;
    uint step_number;
    uint first_element;
};

void main()
{
    for (uint i = gl_GlobalInvocationID.x; i < count; i += grid_stride())
    {
        uint drawn = i + first_element;
        uint word = philox_words(drawn >> 2, step_number, seed, stream)[drawn & 3u];
        bool keep = (word >> 8) >= keep_threshold;
        target[i] = keep ? source[i] * kept_scale : 0.0;
    }
}
