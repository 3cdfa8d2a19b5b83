#version 450
// Batch normalisation's training forward (PyTorch's BatchNorm1d/2d): x and y (N, C, P) with P the plane size;
// weight, bias, the running and the saved statistics (C). Per channel: the batch mean, then the sum of squared
// deviations (two passes, so a large mean does not cancel the variance away), y = (x - mean) * inv_std * weight
// + bias with inv_std = 1 / sqrt(biased variance + eps), and the running statistics moved by momentum towards
// the mean and the unbiased variance. One thread per channel adds its values in (n, plane) order, so the sums
// are the same on every run and every device (no atomics).
#extension GL_GOOGLE_include_directive : require
#include "include/grid_stride.glsl"

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
    float count = float(batch * plane_size);
    for (uint c = gl_GlobalInvocationID.x; c < channels; c += grid_stride())
    {
        float sum = 0.0;
        for (uint n = 0; n < batch; n++)
        {
            uint offset = (n * channels + c) * plane_size;
            for (uint p = 0; p < plane_size; p++)
            {
                sum += x[offset + p];
            }
        }
        float mean = sum / count;
        float squares = 0.0;
        for (uint n = 0; n < batch; n++)
        {
            uint offset = (n * channels + c) * plane_size;
            for (uint p = 0; p < plane_size; p++)
            {
                float deviation = x[offset + p] - mean;
                squares += deviation * deviation;
            }
        }
        float inv_std = inversesqrt(squares / count + eps);
        float scale = inv_std * weight[c];
        float shift = bias[c];
        for (uint n = 0; n < batch; n++)
        {
            uint offset = (n * channels + c) * plane_size;
            for (uint p = 0; p < plane_size; p++)
            {
                y[offset + p] = (x[offset + p] - mean) * scale + shift;
            }
        }
        save_mean[c] = mean;
        save_inv_std[c] = inv_std;
        running_mean[c] = (1.0 - momentum) * running_mean[c] + momentum * mean;
        running_var[c] = (1.0 - momentum) * running_var[c] + momentum * (squares / (count - 1.0));
    }
}
