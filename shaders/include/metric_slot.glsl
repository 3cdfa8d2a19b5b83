// The end of a loss shader: sums its rowStats (2B) = [row losses (B), correct flags (B)] into one metric
// slot, metrics[slot * 3 ..] = (sum of row losses, correct count, 1 if any row loss is NaN or infinite).
// The loss runs as one workgroup whose invocations take rows with a stride; after a barrier makes
// their rowStats visible, invocation 0 adds the rows in order: a fixed order and no float atomics make
// the result bit-reproducible, and B is a batch, so the loop is short. The shader declares rowStats
// (coherent, so invocation 0 sees the others' writes) and metrics, and its push constants rows and slot.
// Call from uniform control flow.

const uint SLOT_WIDTH = 3;

void write_metric_slot()
{
    memoryBarrierBuffer();
    barrier();
    if (gl_LocalInvocationIndex != 0)
    {
        return;
    }
    float loss_sum = 0.0;
    float correct = 0.0;
    float non_finite = 0.0;
    for (uint row = 0; row < rows; row++)
    {
        float loss = rowStats[row];
        loss_sum += loss;
        correct += rowStats[rows + row];
        non_finite = is_finite(loss) ? non_finite : 1.0;
    }
    uint start = slot * SLOT_WIDTH;
    metrics[start] = loss_sum;
    metrics[start + 1] = correct;
    metrics[start + 2] = non_finite;
}
