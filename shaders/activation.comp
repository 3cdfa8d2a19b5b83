#version 450
// Element-wise nonlinearities over N elements (include/activation_math.glsl), each backward written in
// terms of the forward output y so the forward input need not be kept. ACTIVATION, the number of the
// Descent.Kernels.Activation member: 0 ReLU, 1 sigmoid, 2 tanh, 3 leaky ReLU (slope 0.01).
// DIRECTION 0, forward:  y = f(x);              binding 0 = x, 2 = y (binding 1 unused).
// DIRECTION 1, backward: dX = dY * f'(x) from y; binding 0 = dY, 1 = y, 2 = dX.
// Both directions write binding 2 only, so what either reads is readonly in the module as a whole, as
// the backend and the validation layer see it (shaders/README.md). x and y (and dY and dX) may be the
// same buffer: each element is read before it is written.
#extension GL_GOOGLE_include_directive : require
#include "include/device_math.glsl"
#include "include/grid_stride.glsl"
#include "include/activation_math.glsl"

layout(constant_id = 1) const uint DIRECTION = 0;
layout(constant_id = 2) const uint ACTIVATION = 0;

layout(std430, binding = 0) readonly buffer Input { float input_[]; };
layout(std430, binding = 1) readonly buffer ForwardOutput { float y[]; };
layout(std430, binding = 2) writeonly buffer Result { float result[]; };

layout(push_constant) uniform Arguments
{
    uint count;
};

void main()
{
    for (uint i = gl_GlobalInvocationID.x; i < count; i += grid_stride())
    {
        result[i] = DIRECTION == 0 ? activation_forward(ACTIVATION, input_[i]) : activation_backward(ACTIVATION, input_[i], y[i]);
    }
}
