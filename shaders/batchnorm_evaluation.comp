#version 450
// Batch normalisation's evaluation forward (PyTorch's BatchNorm1d/2d in eval mode): x and y (N, C, P) with P the
// plane size, the rest (C); y = (x - running_mean) / sqrt(running_var + eps) * weight + bias of the element's
// channel. One thread per element; y may be x.
#extension GL_GOOGLE_include_directive : require
#include "include/grid_stride.glsl"

layout(std430, binding = 0) readonly buffer Input { float x[]; };
layout(std430, binding = 1) readonly buffer Weight { float weight[]; };
layout(std430, binding = 2) readonly buffer Bias { float bias[]; };
layout(std430, binding = 3) readonly buffer RunningMean { float running_mean[]; };
layout(std430, binding = 4) readonly buffer RunningVar { float running_var[]; };
layout(std430, binding = 5) buffer Output { float y[]; };

layout(push_constant) uniform Arguments
{
    uint batch;
    uint channels;
    uint plane_size;
    float eps;
};

void main()
{
    uint count = batch * channels * plane_size;
    for (uint i = gl_GlobalInvocationID.x; i < count; i += grid_stride())
    {
        uint c = i / plane_size % channels;
        y[i] = (x[i] - running_mean[c]) * inversesqrt(running_var[c] + eps) * weight[c] + bias[c];
    }
}
