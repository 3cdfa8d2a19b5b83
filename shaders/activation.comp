#version 450
// Element-wise nonlinearities over N elements, each backward written in terms of the forward output y
// so the forward input need not be kept. ACTIVATION, the number of the Descent.Kernels.Activation
// member: 0 ReLU, 1 sigmoid, 2 tanh.
// DIRECTION 0, forward:  y = f(x);              binding 0 = x, 2 = y (binding 1 unused).
// DIRECTION 1, backward: dX = dY * f'(x) from y; binding 0 = dY, 1 = y, 2 = dX.
// Both directions write binding 2 only, so what either reads is readonly in the module as a whole, as
// the backend and the validation layer see it (shaders/README.md). x and y (and dY and dX) may be the
// same buffer: each element is read before it is written.
#extension GL_GOOGLE_include_directive : require
#include "include/device_math.glsl"
#include "include/grid_stride.glsl"

layout(constant_id = 1) const uint DIRECTION = 0;
layout(constant_id = 2) const uint ACTIVATION = 0;

layout(std430, binding = 0) readonly buffer Input { float input_[]; };
layout(std430, binding = 1) readonly buffer ForwardOutput { float y[]; };
layout(std430, binding = 2) writeonly buffer Result { float result[]; };

layout(push_constant) uniform Arguments
{
    uint count;
};

// ReLU as a select on a NaN-proof comparison, so a NaN x stays NaN (a max() may return 0 and hide it,
// and so may a plain x < 0 on a driver that assumes no NaN); sigmoid and tanh in their stable forms.
float forward_value(float x)
{
    if (ACTIVATION == 0)
    {
        return is_greater(0.0, x) ? 0.0 : x;
    }
    return ACTIVATION == 1 ? stable_sigmoid(x) : stable_tanh(x);
}

// ReLU selects rather than multiplies, which keeps a non-finite dY out of inactive units; a NaN y
// passes no gradient, on every driver.
float backward_value(float dy, float output_)
{
    if (ACTIVATION == 0)
    {
        return is_greater(output_, 0.0) ? dy : 0.0;
    }
    return ACTIVATION == 1 ? dy * output_ * (1.0 - output_) : dy * (1.0 - output_ * output_);
}

void main()
{
    for (uint i = gl_GlobalInvocationID.x; i < count; i += grid_stride())
    {
        result[i] = DIRECTION == 0 ? forward_value(input_[i]) : backward_value(input_[i], y[i]);
    }
}
