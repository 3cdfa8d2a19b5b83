#version 450
// Softmax + cross-entropy fused, forward and backward in one pass per row over logits (B,C) with
// labels (B): rowStats (2B) = [row losses (B), correct flags (B)], dLogits (B,C) = gradient of the
// mean loss. One workgroup; it then sums rowStats into the batch's metric slot
// (include/metric_slot.glsl).
// With targets t = (1 - eps) onehot + eps / C (eps the label smoothing, PyTorch's label_smoothing):
// rowLoss = log(sum e^(z - max)) - sum_c t_c (z_c - max), so logits of +-1000 stay finite;
// correct = argmax (the first maximum) == label; dLogits = (softmax(z) - t) / B.
// A label outside [0, C) gives the row a NaN loss, which raises the non-finite flag, and a zero
// gradient, so one bad row cannot poison the weights on its way to that flag.
#extension GL_GOOGLE_include_directive : require
#include "include/device_math.glsl"
#include "include/grid_stride.glsl"

layout(std430, binding = 0) readonly buffer Logits { float logits[]; };
layout(std430, binding = 1) readonly buffer Labels { int labels[]; };
layout(std430, binding = 2) writeonly buffer LogitGradients { float dLogits[]; };
layout(std430, binding = 3) coherent buffer RowStats { float rowStats[]; };
layout(std430, binding = 4) writeonly buffer Metrics { float metrics[]; };

layout(push_constant) uniform Arguments
{
    uint rows;
    uint cols;
    uint slot;
    float label_smoothing;
};

#include "include/metric_slot.glsl"

void main()
{
    for (uint row = gl_GlobalInvocationID.x; row < rows; row += grid_stride())
    {
        uint start = row * cols;
        int argmax = 0;
        float row_max = logits[start];
        for (uint col = 1; col < cols; col++)
        {
            float value = logits[start + col];
            if (is_greater(value, row_max))
            {
                row_max = value;
                argmax = int(col);
            }
        }
        float sum = 0.0;
        float shifted_sum = 0.0;
        for (uint col = 0; col < cols; col++)
        {
            sum += exp(logits[start + col] - row_max);
            shifted_sum += logits[start + col] - row_max;
        }
        float spread = label_smoothing / float(cols);
        float label_weight = 1.0 - label_smoothing;
        // Without smoothing the spread term is left out, not multiplied by 0, so a logit of -inf keeps a finite loss.
        float spread_term = spread == 0.0 ? 0.0 : spread * shifted_sum;

        int label = labels[row];
        bool valid_label = label >= 0 && label < int(cols);
        // Never index with a bad label, not even in a branch the compiler might turn into a select.
        uint label_column = valid_label ? uint(label) : 0;
        rowStats[row] = valid_label ? log(sum) - label_weight * (logits[start + label_column] - row_max) - spread_term : QUIET_NAN;
        rowStats[rows + row] = argmax == label ? 1.0 : 0.0;
        for (uint col = 0; col < cols; col++)
        {
            float p = exp(logits[start + col] - row_max) / sum;
            float target = (int(col) == label ? label_weight : 0.0) + spread;
            dLogits[start + col] = valid_label ? (p - target) / float(rows) : 0.0;
        }
    }
    write_metric_slot();
}
