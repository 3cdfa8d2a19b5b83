#version 450
// Row-wise softmax over (B,C). One thread per row, rows walked with a grid stride: C is the class
// count, small enough that a row is one thread's work, and the row sums then run in a fixed order.
// DIRECTION 0, forward:  y = e^(x - rowmax) / sum of e^(x - rowmax); binding 0 = x, 2 = y (1 unused).
// DIRECTION 1, backward: dX = y * (dY - sum_j dY[j] y[j]);         binding 0 = dY, 1 = y, 2 = dX.
// Both directions write binding 2 only, so what either reads is readonly in the module as a whole, as
// the backend and the validation layer see it (shaders/README.md). dX may be dY: each element is read
// before it is written.
#extension GL_GOOGLE_include_directive : require
#include "include/device_math.glsl"
#include "include/grid_stride.glsl"

layout(constant_id = 1) const uint DIRECTION = 0;

layout(std430, binding = 0) readonly buffer Input { float input_[]; };
layout(std430, binding = 1) readonly buffer ForwardOutput { float y[]; };
layout(std430, binding = 2) buffer Result { float result[]; };

layout(push_constant) uniform Arguments
{
    uint rows;
    uint cols;
};

// Subtracting the row max keeps every exp at most 1. The max propagates NaN as MathF.Max does
// (GLSL's max() leaves NaN undefined, and a driver may assume there is none), so a NaN row stays NaN.
void forward_row(uint start)
{
    float row_max = input_[start];
    for (uint col = 1; col < cols; col++)
    {
        row_max = max_keeping_nan(row_max, input_[start + col]);
    }
    float sum = 0.0;
    for (uint col = 0; col < cols; col++)
    {
        float e = exp(input_[start + col] - row_max);
        result[start + col] = e;
        sum += e;
    }
    for (uint col = 0; col < cols; col++)
    {
        result[start + col] /= sum;
    }
}

void backward_row(uint start)
{
    float dot_ = 0.0;
    for (uint col = 0; col < cols; col++)
    {
        dot_ += input_[start + col] * y[start + col];
    }
    for (uint col = 0; col < cols; col++)
    {
        result[start + col] = y[start + col] * (input_[start + col] - dot_);
    }
}

void main()
{
    for (uint row = gl_GlobalInvocationID.x; row < rows; row += grid_stride())
    {
        if (DIRECTION == 0)
        {
            forward_row(row * cols);
        }
        else
        {
            backward_row(row * cols);
        }
    }
}
