#version 450
// Gathers a batch from a dataset held as bytes: pixels (items,F), labels (items), order (any length),
// scale_shift (2C): the scales of the C channels, then their shifts; an item's F features are C planes of plane_size.
// For i in [0, count): item = order[start + i]; c = f / plane_size;
// inputs (count,F)[i, f] = pixels[item, f] * scale[c] + shift[c];
// batchLabels (count)[i] = labels[item]. An item outside [0, items) gives zeros and label -1, which
// the losses turn into a NaN row. One thread per input element, grid stride.
// The pixels are read as 32-bit words (four little-endian bytes each; the backend rounds byte buffers
// up to whole words), which needs no 8-bit storage feature.
#extension GL_GOOGLE_include_directive : require
#include "include/grid_stride.glsl"

layout(std430, binding = 0) readonly buffer Pixels { uint pixel_words[]; };
layout(std430, binding = 1) readonly buffer Labels { int labels[]; };
layout(std430, binding = 2) readonly buffer Order { int order_[]; };
layout(std430, binding = 3) readonly buffer ScaleShift { float scale_shift[]; };
layout(std430, binding = 4) writeonly buffer Inputs { float inputs[]; };
layout(std430, binding = 5) writeonly buffer BatchLabels { int batchLabels[]; };

layout(push_constant) uniform Arguments
{
    uint start;
    uint count;
    uint features;
    int items;
    uint channels;
    uint plane_size;
};

uint pixel(uint index)
{
    return (pixel_words[index >> 2] >> ((index & 3u) * 8u)) & 0xffu;
}

void main()
{
    uint elements = count * features;
    for (uint element = gl_GlobalInvocationID.x; element < elements; element += grid_stride())
    {
        uint row = element / features;
        uint feature = element % features;
        int item = order_[start + row];
        bool in_dataset = item >= 0 && item < items;
        // Never index with a bad item, not even in a branch the compiler might turn into a select.
        uint safe_item = in_dataset ? uint(item) : 0u;
        uint channel = feature / plane_size;
        inputs[element] = in_dataset
            ? float(pixel(safe_item * features + feature)) * scale_shift[channel] + scale_shift[channels + channel]
            : 0.0;
        if (feature == 0)
        {
            batchLabels[row] = in_dataset ? labels[safe_item] : -1;
        }
    }
}
