#version 450
// Bias of a linear layer. y and dY are (B,C) row-major, bias and dBias are (C).
// DIRECTION 0, forward:  y (B,C) += bias (C), broadcast over the rows; binding 0 = y, 1 = bias.
// DIRECTION 1, backward: dBias (C) = beta * dBias + sum over rows of dY (B,C); binding 0 = dBias, 1 = dY.
// Both directions write binding 0 only, so binding 1 is readonly in the module as a whole, as the
// backend and the validation layer see it (shaders/README.md).
// One thread per column adds its rows in order, so the sum is the same on every run and every device
// (no atomics). Beta 0 overwrites, as GEMM's does, so a stale or NaN dBias never leaks in.
#extension GL_GOOGLE_include_directive : require
#include "include/device_math.glsl"
#include "include/grid_stride.glsl"

layout(constant_id = 1) const uint DIRECTION = 0;

layout(std430, binding = 0) buffer Target { float target[]; };
layout(std430, binding = 1) readonly buffer Source { float source[]; };

layout(push_constant) uniform Arguments
{
    uint rows;
    uint cols;
    float beta;
};

void forward_pass()
{
    uint count = rows * cols;
    for (uint i = gl_GlobalInvocationID.x; i < count; i += grid_stride())
    {
        target[i] += source[i % cols];
    }
}

void backward_pass()
{
    for (uint col = gl_GlobalInvocationID.x; col < cols; col += grid_stride())
    {
        float sum = 0.0;
        for (uint row = 0; row < rows; row++)
        {
            sum += source[row * cols + col];
        }
        target[col] = is_zero(beta) ? sum : beta * target[col] + sum;
    }
}

void main()
{
    if (DIRECTION == 0)
    {
        forward_pass();
    }
    else
    {
        backward_pass();
    }
}
