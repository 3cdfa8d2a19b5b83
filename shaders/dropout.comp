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
    if (count == 0u)
    {
        return;
    }
    // One generator run per counter, its four words applied to the elements drawn from it that lie in this tensor
    // (a quarter of the work of a run per element). Element numbers, and so counters, wrap as DropoutMask's uint ones.
    uint first = first_element >> 2;
    uint counters = ((first_element + count - 1u) >> 2) - first + 1u;
    for (uint q = gl_GlobalInvocationID.x; q < counters; q += grid_stride())
    {
        uint counter = first + q;
        uvec4 words = philox_words(counter & 0x3FFFFFFFu, step_number, seed, stream);
        for (uint w = 0u; w < 4u; w++)
        {
            // Below first_element this wraps to a large value, outside the tensor like the elements past its end.
            uint i = counter * 4u + w - first_element;
            if (i < count)
            {
                bool keep = (words[w] >> 8) >= keep_threshold;
                target[i] = keep ? source[i] * kept_scale : 0.0;
            }
        }
    }
}
