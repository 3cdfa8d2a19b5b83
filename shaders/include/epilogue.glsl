// What every GEMM shader applies to an output before storing it, so a linear layer's forward
// y = f(x W^T + bias) is one dispatch: the bias of the output's column when EPILOGUE_BIAS is 1 (a linear
// layer's output feature), of its row when it is 2 (a convolution's output channel, W (K,CRS) times an
// image's columns (CRS,PQ)), then the activation EPILOGUE_ACTIVATION (0 none, else the Descent.Kernels.Activation member's number + 1).
// Both are specialization constants, so a plain GEMM compiles to no epilogue at all, and a new
// activation touches only activation_math.glsl. The bias buffer is binding 3 (EPILOGUE_BIAS_BINDING: a shader
// with fewer buffers defines it before including this); a GEMM without bias binds a buffer it already uses
// there. Needs device_math.glsl.
#include "activation_math.glsl"

layout(constant_id = 5) const uint EPILOGUE_BIAS = 0;
layout(constant_id = 6) const uint EPILOGUE_ACTIVATION = 0;

#ifndef EPILOGUE_BIAS_BINDING
#define EPILOGUE_BIAS_BINDING 3
#endif

layout(std430, binding = EPILOGUE_BIAS_BINDING) readonly buffer EpilogueBias { float epilogue_bias[]; };

const uint EPILOGUE_BIAS_BY_COLUMN = 1;
const uint EPILOGUE_BIAS_BY_ROW = 2;

float epilogue(float value, uint row, uint col)
{
    float biased = EPILOGUE_BIAS == EPILOGUE_BIAS_BY_COLUMN ? value + epilogue_bias[col]
        : EPILOGUE_BIAS == EPILOGUE_BIAS_BY_ROW ? value + epilogue_bias[row]
        : value;
    return EPILOGUE_ACTIVATION == 0 ? biased : activation_forward(EPILOGUE_ACTIVATION - 1, biased);
}
