// The push constants of the max-pooling shaders (maxpool_forward.comp, maxpool_backward.comp): the
// geometry of Descent.Kernels.Pool2dShape, with planes = Batch * Channels, each H x W in, P x Q out.
layout(push_constant) uniform PoolLayout
{
    uint planes;
    uint height;
    uint width;
    uint kernel_size;
    uint stride;
    uint out_height;
    uint out_width;
};
