#version 450
// The two-class losses, fused with their gradient: one logit z (B) per row, p = sigmoid(z), a target
// t (B) in {0, 1}. Per row: rowStats (2B) = [row loss, correct flag], dLogits (B) = dloss/dz / B.
// One workgroup; it then sums rowStats into the batch's metric slot (include/metric_slot.glsl).
// LOSS, the number of the Descent.Kernels.BinaryLoss member, selects the loss:
// 0 the lesson's mnist_loss: where(t == 1, 1 - p, p);          dz = (t == 1 ? -1 : 1) p (1 - p)
// 1 binary cross-entropy, stable: max(z, 0) - z t + log(1 + e^-|z|); dz = p - t
// 2 squared error of the probability: (p - t)^2;               dz = 2 (p - t) p (1 - p)
// Correct is (p > 0.5) == (t == 1). A target outside {0, 1} gets a NaN loss and a zero gradient.
#extension GL_GOOGLE_include_directive : require
#include "include/device_math.glsl"
#include "include/grid_stride.glsl"

layout(constant_id = 1) const uint LOSS = 0;

layout(std430, binding = 0) readonly buffer Logits { float logits[]; };
layout(std430, binding = 1) readonly buffer Targets { int targets[]; };
layout(std430, binding = 2) writeonly buffer LogitGradients { float dLogits[]; };
layout(std430, binding = 3) coherent buffer RowStats { float rowStats[]; };
layout(std430, binding = 4) writeonly buffer Metrics { float metrics[]; };

layout(push_constant) uniform Arguments
{
    uint rows;
    uint slot;
};

#include "include/metric_slot.glsl"

void main()
{
    for (uint row = gl_GlobalInvocationID.x; row < rows; row += grid_stride())
    {
        int t = targets[row];
        float z = logits[row];
        float p = stable_sigmoid(z);
        float loss;
        float dloss_dz;
        if (LOSS == 0)
        {
            loss = t == 1 ? 1.0 - p : p;
            dloss_dz = (t == 1 ? -1.0 : 1.0) * p * (1.0 - p);
        }
        else if (LOSS == 1)
        {
            loss = max(z, 0.0) - z * float(t) + log(1.0 + exp(-abs(z)));
            dloss_dz = p - float(t);
        }
        else
        {
            float error_ = p - float(t);
            loss = error_ * error_;
            dloss_dz = 2.0 * error_ * p * (1.0 - p);
        }
        bool valid_target = t == 0 || t == 1;
        rowStats[row] = valid_target ? loss : QUIET_NAN;
        rowStats[rows + row] = is_greater(p, 0.5) == (t == 1) ? 1.0 : 0.0;
        dLogits[row] = valid_target ? dloss_dz / float(rows) : 0.0;
    }
    write_metric_slot();
}
