#version 450
// Element-wise nonlinearities over N elements, each backward written in terms of the forward output y
// so the forward input need not be kept. ACTIVATION, the number of the Descent.Kernels.Activation
// member: 0 ReLU, 1 sigmoid, 2 tanh, 3 leaky ReLU (slope 0.01).
// DIRECTION 0, forward:  y = f(x);              binding 0 = x, 1 = y.
// DIRECTION 1, backward: dX = dY * f'(x) from y; binding 0 = dY, 1 = y, 2 = dX.
// x and y (and dY and dX) may be the same buffer: each element is read before it is written.
#extension GL_GOOGLE_include_directive : require
#include "include/device_math.glsl"
#include "include/grid_stride.glsl"

layout(constant_id = 1) const uint DIRECTION = 0;
layout(constant_id = 2) const uint ACTIVATION = 0;

layout(std430, binding = 0) buffer Input { float input_[]; };
layout(std430, binding = 1) buffer Output { float y[]; };
layout(std430, binding = 2) buffer InputGradient { float dX[]; };

layout(push_constant) uniform Arguments
{
    uint count;
};

// ReLU as a select on a NaN-proof comparison, so a NaN x stays NaN (a max() may return 0 and hide it,
// and so may a plain x < 0 on a driver that assumes no NaN); sigmoid and tanh in their stable forms;
// leaky ReLU scales the negative side, and a NaN x is no number greater than 0, so it gives 0.01 NaN.
float forward_value(float x)
{
    switch (ACTIVATION)
    {
        case 0: return is_greater(0.0, x) ? 0.0 : x;
        case 1: return stable_sigmoid(x);
        case 2: return stable_tanh(x);
        default: return is_greater(x, 0.0) ? x : 0.01 * x;
    }
}

// ReLU selects rather than multiplies, which keeps a non-finite dY out of inactive units; a NaN y
// passes no gradient, on every driver. Leaky ReLU scales instead of dropping.
float backward_value(float dy, float output_)
{
    switch (ACTIVATION)
    {
        case 0: return is_greater(output_, 0.0) ? dy : 0.0;
        case 1: return dy * output_ * (1.0 - output_);
        case 2: return dy * (1.0 - output_ * output_);
        default: return is_greater(output_, 0.0) ? dy : 0.01 * dy;
    }
}

void main()
{
    for (uint i = gl_GlobalInvocationID.x; i < count; i += grid_stride())
    {
        if (DIRECTION == 0)
        {
            y[i] = forward_value(input_[i]);
        }
        else
        {
            dX[i] = backward_value(input_[i], y[i]);
        }
    }
}
