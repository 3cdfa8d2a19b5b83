#version 450
// Batch normalisation's backward through the batch statistics (PyTorch's formula): dY, x and dX (N, C, P) with P
// the plane size, the rest (C). With xhat = (x - save_mean) * save_inv_std and M = N * P values per channel:
// dBias = sum dY, dWeight = sum dY * xhat, dX = weight * save_inv_std * (dY - dBias / M - xhat * dWeight / M).
// One thread per channel adds its values in (n, plane) order, so the sums are the same on every run and every
// device (no atomics).
#extension GL_GOOGLE_include_directive : require
#include "include/grid_stride.glsl"

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
    float count = float(batch * plane_size);
    for (uint c = gl_GlobalInvocationID.x; c < channels; c += grid_stride())
    {
        float mean = save_mean[c];
        float inv_std = save_inv_std[c];
        float sum_dy = 0.0;
        float sum_dy_xhat = 0.0;
        for (uint n = 0; n < batch; n++)
        {
            uint offset = (n * channels + c) * plane_size;
            for (uint p = 0; p < plane_size; p++)
            {
                sum_dy += dY[offset + p];
                sum_dy_xhat += dY[offset + p] * ((x[offset + p] - mean) * inv_std);
            }
        }
        dBias[c] = sum_dy;
        dWeight[c] = sum_dy_xhat;
        float scale = weight[c] * inv_std;
        float mean_dy = sum_dy / count;
        float mean_dy_xhat = sum_dy_xhat / count;
        for (uint n = 0; n < batch; n++)
        {
            uint offset = (n * channels + c) * plane_size;
            for (uint p = 0; p < plane_size; p++)
            {
                float xhat = (x[offset + p] - mean) * inv_std;
                dX[offset + p] = scale * (dY[offset + p] - mean_dy - xhat * mean_dy_xhat);
            }
        }
    }
}
