#version 450
// Adadelta in place over N elements, PyTorch's form (Descent.Kernels.AdadeltaStep):
// g = grad + weight_decay * param; square_average = rho * square_average + (1 - rho) g^2;
// delta = sqrt(delta_average + eps) / sqrt(square_average + eps) * g;
// delta_average = rho * delta_average + (1 - rho) delta^2; param -= learning_rate * delta.
#extension GL_GOOGLE_include_directive : require
#include "include/grid_stride.glsl"

layout(std430, binding = 0) buffer Parameters { float parameters[]; };
layout(std430, binding = 1) readonly buffer Gradients { float gradients[]; };
layout(std430, binding = 2) buffer SquareAverage { float square_average[]; };
layout(std430, binding = 3) buffer DeltaAverage { float delta_average[]; };

layout(push_constant) uniform Arguments
{
    uint count;
    float learning_rate;
    float rho;
    float epsilon;
    float weight_decay;
};

void main()
{
    for (uint i = gl_GlobalInvocationID.x; i < count; i += grid_stride())
    {
        float param = parameters[i];
        float g = gradients[i] + weight_decay * param;
        float square = rho * square_average[i] + (1.0 - rho) * g * g;
        float delta = sqrt(delta_average[i] + epsilon) / sqrt(square + epsilon) * g;
        square_average[i] = square;
        delta_average[i] = rho * delta_average[i] + (1.0 - rho) * delta * delta;
        parameters[i] = param - learning_rate * delta;
    }
}
