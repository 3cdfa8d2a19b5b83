#version 450
// The training batch's gather with its augmentation (ComputeBackend.GatherBatchAugmented): a crop of each image (C,H,W)
// from itself padded by P, at the shifts its draw gives, then a left-right mirror when it draws one, then per-channel
// normalisation. pixels (items,F) with F = C*H*W, labels (items), order (any length), scale_shift (2C).
// For output element (i, c, y, x): item = order[start + i]; word = Philox4x32-10 at counter (item, epoch) and key
// (seed, 0x41554731) (AugmentationDraw.Word); dy = ((word & 0x7fff) * (2P + 1)) >> 15; dx = (((word >> 15) & 0x7fff) * (2P + 1)) >> 15;
// flip = flip_enabled && word >> 31; x' = flip ? W - 1 - x : x; the pixel read is the image's (c, y + dy - P, x' + dx - P),
// outside the image 0 or, with reflect, its mirror about the edge; inputs[i, (c,y,x)] = pixel * scale[c] + shift[c];
// batchLabels[i] = labels[item]. An item outside [0, items) gives zeros and label -1. One thread per input element,
// grid stride; each redraws its item's word. Pixels are read as 32-bit words, as gather_batch.comp reads them.
#extension GL_GOOGLE_include_directive : require
#include "include/grid_stride.glsl"
#include "include/philox.glsl"

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
    int items;
    uint channels;
    uint height;
    uint width;
    int padding;
    uint reflect_padding;
    uint flip_enabled;
    uint seed;
    uint epoch;
};

const uint AUGMENTATION_STREAM = 0x41554731u;

uint pixel(uint index)
{
    return (pixel_words[index >> 2] >> ((index & 3u) * 8u)) & 0xffu;
}

// AugmentationDraw.SourceCoordinate: the image's coordinate a padded one reads, or -1 for a zero pixel.
int source_coordinate(int coordinate, int size)
{
    if (coordinate >= 0 && coordinate < size)
    {
        return coordinate;
    }
    if (reflect_padding == 0u)
    {
        return -1;
    }
    return coordinate < 0 ? -coordinate : 2 * size - 2 - coordinate;
}

void main()
{
    uint plane_size = height * width;
    uint features = channels * plane_size;
    uint elements = count * features;
    uint shifts = uint(2 * padding + 1);
    for (uint element = gl_GlobalInvocationID.x; element < elements; element += grid_stride())
    {
        uint row = element / features;
        uint feature = element % features;
        uint channel = feature / plane_size;
        int y = int(feature % plane_size / width);
        int x = int(feature % width);
        int item = order_[start + row];
        bool in_dataset = item >= 0 && item < items;
        // Never index with a bad item, not even in a branch the compiler might turn into a select.
        uint safe_item = in_dataset ? uint(item) : 0u;
        uint word = philox_first_word(safe_item, epoch, seed, AUGMENTATION_STREAM);
        int row_shift = int(((word & 0x7fffu) * shifts) >> 15);
        int column_shift = int((((word >> 15) & 0x7fffu) * shifts) >> 15);
        bool flip = flip_enabled != 0u && (word >> 31) != 0u;
        int source_row = source_coordinate(y + row_shift - padding, int(height));
        int source_column = source_coordinate((flip ? int(width) - 1 - x : x) + column_shift - padding, int(width));
        bool in_image = source_row >= 0 && source_column >= 0;
        uint safe_row = in_image ? uint(source_row) : 0u;
        uint safe_column = in_image ? uint(source_column) : 0u;
        float value = in_image ? float(pixel(safe_item * features + (channel * height + safe_row) * width + safe_column)) : 0.0;
        inputs[element] = in_dataset ? value * scale_shift[channel] + scale_shift[channels + channel] : 0.0;
        if (feature == 0u)
        {
            batchLabels[row] = in_dataset ? labels[safe_item] : -1;
        }
    }
}
