#version 450
// Batch normalisation's training forward (PyTorch's BatchNorm1d/2d): x and y (N, C, P) with P the plane size;
// weight, bias, the running and the saved statistics (C). Per channel: the batch mean, then the sum of squared
// deviations (two passes, so a large mean does not cancel the variance away), y = (x - mean) * inv_std * weight
// + bias with inv_std = 1 / sqrt(biased variance + eps), and the running statistics moved by momentum towards
// the mean and the unbiased variance. One workgroup per channel reduces its values (include/channel_sum.glsl), so
// the sums are the same on every run (no atomics).
#extension GL_GOOGLE_include_directive : require
#include "include/channel_sum.glsl"

layout(std430, binding = 0) readonly buffer Input { float x[]; };
layout(std430, binding = 1) readonly buffer Weight { float weight[]; };
layout(std430, binding = 2) readonly buffer Bias { float bias[]; };
layout(std430, binding = 3) buffer RunningMean { float running_mean[]; };
layout(std430, binding = 4) buffer RunningVar { float running_var[]; };
layout(std430, binding = 5) buffer Output { float y[]; };
layout(std430, binding = 6) buffer SaveMean { float save_mean[]; };
layout(std430, binding = 7) buffer SaveInvStd { float save_inv_std[]; };

layout(push_constant) uniform Arguments
{
    uint batch;
    uint channels;
    uint plane_size;
    float momentum;
    float eps;
};

void main()
{
    uint c = gl_WorkGroupID.x;
    uint t = gl_LocalInvocationID.x;
    uint values = batch * plane_size;
    float count = float(values);
    float sum = 0.0;
    for (uint e = t; e < values; e += gl_WorkGroupSize.x)
    {
        sum += x[channel_index(e, c, channels, plane_size)];
    }
    float mean = group_sum(sum) / count;
    float squares = 0.0;
    for (uint e = t; e < values; e += gl_WorkGroupSize.x)
    {
        float deviation = x[channel_index(e, c, channels, plane_size)] - mean;
        squares += deviation * deviation;
    }
    squares = group_sum(squares);
    float inv_std = inversesqrt(squares / count + eps);
    float scale = inv_std * weight[c];
    float shift = bias[c];
    for (uint e = t; e < values; e += gl_WorkGroupSize.x)
    {
        uint i = channel_index(e, c, channels, plane_size);
        y[i] = (x[i] - mean) * scale + shift;
    }
    if (t == 0)
    {
        save_mean[c] = mean;
        save_inv_std[c] = inv_std;
        running_mean[c] = (1.0 - momentum) * running_mean[c] + momentum * mean;
        running_var[c] = (1.0 - momentum) * running_var[c] + momentum * (squares / (count - 1.0));
    }
}
