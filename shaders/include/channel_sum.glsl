// Batch normalisation's per-channel sums: one workgroup per channel (gl_WorkGroupID.x), its T invocations sharing
// the channel's N*P values of an (N, C, P) tensor. Invocation t adds values t, t + T, ... in (n, plane) order
// (channel_index gives a value's place in the tensor), then group_sum adds the T partial sums in a fixed tree,
// pairs (t, t + s) for s = 1, 2, 4, ... with t a multiple of 2s, so any T works. The order depends on T alone:
// the same bits on every run, and no atomics. Every invocation must call group_sum (it holds barriers).
layout(local_size_x_id = 0) in;

shared float channel_partials[gl_WorkGroupSize.x];

uint channel_index(uint element, uint channel, uint channels, uint plane_size)
{
    return (element / plane_size * channels + channel) * plane_size + element % plane_size;
}

float group_sum(float value)
{
    uint t = gl_LocalInvocationID.x;
    channel_partials[t] = value;
    barrier();
    for (uint span = 1; span < gl_WorkGroupSize.x; span *= 2)
    {
        if (t % (2 * span) == 0 && t + span < gl_WorkGroupSize.x)
        {
            channel_partials[t] += channel_partials[t + span];
        }
        barrier();
    }
    float total = channel_partials[0];
    // Nobody may overwrite channel_partials[0] (the next sum) before every invocation has read it.
    barrier();
    return total;
}
