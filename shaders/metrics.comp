#version 450
// Sums a loss op's rowStats (2B) = [row losses (B), correct flags (B)] into one metric slot:
// metrics[slot * 3 ..] = (sum of row losses, correct count, 1 if any row loss is NaN or infinite).
// A single thread adds the rows in order: a fixed order and no float atomics make the result
// bit-reproducible, and B is a batch, so the loop is short.
#extension GL_GOOGLE_include_directive : require
#include "include/device_math.glsl"

layout(local_size_x = 1) in;

layout(std430, binding = 0) readonly buffer RowStats { float rowStats[]; };
layout(std430, binding = 1) buffer Metrics { float metrics[]; };

layout(push_constant) uniform Arguments
{
    uint rows;
    uint slot;
};

const uint SLOT_WIDTH = 3;

void main()
{
    float loss_sum = 0.0;
    float correct = 0.0;
    float non_finite = 0.0;
    for (uint row = 0; row < rows; row++)
    {
        float loss = rowStats[row];
        loss_sum += loss;
        correct += rowStats[rows + row];
        non_finite = is_finite(loss) ? non_finite : 1.0;
    }
    uint start = slot * SLOT_WIDTH;
    metrics[start] = loss_sum;
    metrics[start + 1] = correct;
    metrics[start + 2] = non_finite;
}
