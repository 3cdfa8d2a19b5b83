// The element-wise nonlinearities, numbered as the Descent.Kernels.Activation members: 0 ReLU,
// 1 sigmoid, 2 tanh, 3 leaky ReLU (slope 0.01). Shared by activation.comp and the GEMM epilogue
// (epilogue.glsl), so both compute the same values and a new activation is added in one place.
// Needs device_math.glsl.

// ReLU as a select on a NaN-proof comparison, so a NaN x stays NaN (a max() may return 0 and hide it,
// and so may a plain x < 0 on a driver that assumes no NaN); sigmoid and tanh in their stable forms;
// leaky ReLU scales the negative side, and a NaN x is no number greater than 0, so it gives 0.01 NaN.
float activation_forward(uint activation, float x)
{
    switch (activation)
    {
        case 0: return is_greater(0.0, x) ? 0.0 : x;
        case 1: return stable_sigmoid(x);
        case 2: return stable_tanh(x);
        default: return is_greater(x, 0.0) ? x : 0.01 * x;
    }
}

// Each backward is written in terms of the forward output y, so the forward input need not be kept.
// ReLU selects rather than multiplies, which keeps a non-finite dY out of inactive units; a NaN y
// passes no gradient, on every driver. Leaky ReLU scales instead of dropping.
float activation_backward(uint activation, float dy, float y)
{
    switch (activation)
    {
        case 0: return is_greater(y, 0.0) ? dy : 0.0;
        case 1: return dy * y * (1.0 - y);
        case 2: return dy * (1.0 - y * y);
        default: return is_greater(y, 0.0) ? dy : 0.01 * dy;
    }
}
