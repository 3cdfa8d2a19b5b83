#version 450
// Batch normalisation's backward through the batch statistics (PyTorch's formula): dY, x and dX (N, C, P) with P
// the plane size, the rest (C). With xhat = (x - save_mean) * save_inv_std and M = N * P values per channel:
// dBias = sum dY, dWeight = sum dY * xhat, dX = weight * save_inv_std * (dY - dBias / M - xhat * dWeight / M).
// One workgroup per channel reduces its values (include/channel_sum.glsl), so the sums are the same on every run
// (no atomics).
#extension GL_GOOGLE_include_directive : require
#include "include/channel_sum.glsl"

layout(std430, binding = 0) readonly buffer OutputGradient { float dY[]; };
layout(std430, binding = 1) readonly buffer Input { float x[]; };
layout(std430, binding = 2) readonly buffer Weight { float weight[]; };
layout(std430, binding = 3) readonly buffer SaveMean { float save_mean[]; };
layout(std430, binding = 4) readonly buffer SaveInvStd { float save_inv_std[]; };
layout(std430, binding = 5) buffer InputGradient { float dX[]; };
layout(std430, binding = 6) buffer WeightGradient { float dWeight[]; };
layout(std430, binding = 7) buffer BiasGradient { float dBias[]; };

layout(push_constant) uniform Arguments
{
    uint batch;
    uint channels;
    uint plane_size;
};

void main()
{
    uint c = gl_WorkGroupID.x;
    uint t = gl_LocalInvocationID.x;
    uint values = batch * plane_size;
    float count = float(values);
    float mean = save_mean[c];
    float inv_std = save_inv_std[c];
    float sum_dy = 0.0;
    float sum_dy_xhat = 0.0;
    for (uint e = t; e < values; e += gl_WorkGroupSize.x)
    {
        uint i = channel_index(e, c, channels, plane_size);
        sum_dy += dY[i];
        sum_dy_xhat += dY[i] * ((x[i] - mean) * inv_std);
    }
    sum_dy = group_sum(sum_dy);
    sum_dy_xhat = group_sum(sum_dy_xhat);
    if (t == 0)
    {
        dBias[c] = sum_dy;
        dWeight[c] = sum_dy_xhat;
    }
    float scale = weight[c] * inv_std;
    float mean_dy = sum_dy / count;
    float mean_dy_xhat = sum_dy_xhat / count;
    for (uint e = t; e < values; e += gl_WorkGroupSize.x)
    {
        uint i = channel_index(e, c, channels, plane_size);
        float xhat = (x[i] - mean) * inv_std;
        dX[i] = scale * (dY[i] - mean_dy - xhat * mean_dy_xhat);
    }
}
