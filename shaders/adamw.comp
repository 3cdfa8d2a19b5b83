#version 450
// AdamW in place over N elements, weight decay decoupled: param -= lr * wd * param;
// m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g^2; param -= lr * (m / c1) / (sqrt(v / c2) + eps),
// where c1 = 1 - b1^t and c2 = 1 - b2^t come from the host (they depend on the step only).
#extension GL_GOOGLE_include_directive : require
#include "include/grid_stride.glsl"

layout(std430, binding = 0) buffer Parameters { float parameters[]; };
layout(std430, binding = 1) readonly buffer Gradients { float gradients[]; };
layout(std430, binding = 2) buffer FirstMoment { float first_moment[]; };
layout(std430, binding = 3) buffer SecondMoment { float second_moment[]; };

layout(push_constant) uniform Arguments
{
    uint count;
    float learning_rate;
    float beta1;
    float beta2;
    float epsilon;
    float weight_decay;
    float bias_correction1;
    float bias_correction2;
};

void main()
{
    for (uint i = gl_GlobalInvocationID.x; i < count; i += grid_stride())
    {
        float g = gradients[i];
        float param = parameters[i];
        param -= learning_rate * weight_decay * param;
        float m = beta1 * first_moment[i] + (1.0 - beta1) * g;
        float v = beta2 * second_moment[i] + (1.0 - beta2) * g * g;
        first_moment[i] = m;
        second_moment[i] = v;
        parameters[i] = param - learning_rate * (m / bias_correction1) / (sqrt(v / bias_correction2) + epsilon);
    }
}
