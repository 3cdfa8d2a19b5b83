#version 450
// SGD in place, PyTorch's form, over N elements: g = grad + weightDecay * param;
// velocity = momentum * velocity + g; param -= learningRate * step, where step is velocity, or
// g + momentum * velocity when nesterov is 1 (PyTorch's Nesterov momentum).
#extension GL_GOOGLE_include_directive : require
#include "include/grid_stride.glsl"

layout(std430, binding = 0) buffer Parameters { float parameters[]; };
layout(std430, binding = 1) readonly buffer Gradients { float gradients[]; };
layout(std430, binding = 2) buffer Velocity { float velocity[]; };

layout(push_constant) uniform Arguments
{
    uint count;
    float learning_rate;
    float momentum;
    float weight_decay;
    uint nesterov;
};

void main()
{
    for (uint i = gl_GlobalInvocationID.x; i < count; i += grid_stride())
    {
        float g = gradients[i] + weight_decay * parameters[i];
        float v = momentum * velocity[i] + g;
        velocity[i] = v;
        float step = nesterov != 0u ? g + momentum * v : v;
        parameters[i] -= learning_rate * step;
    }
}
