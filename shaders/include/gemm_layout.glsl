// The push constants of every GEMM shader. op(A)(r, p) = a[r * a_row_stride + p * a_col_stride] and
// op(B)(p, c) = b[p * b_row_stride + c * b_col_stride], so a transpose costs nothing. The tiled shaders
// add group_offset to gl_WorkGroupID: a grid larger than maxComputeWorkGroupCount is recorded as
// several dispatches, each starting where the last ended. The grid-stride naive shader covers any size
// in one dispatch and is sent zero offsets.
// A batched GEMM (a convolution's, one product per image) runs its products along gl_WorkGroupID.z:
// product z reads A from a_offset + z * a_batch_stride (likewise B) and writes C from
// c_offset + z * c_batch_stride. A single GEMM is sent zeros and one group in z.
// A GEMM whose K is split (gemm_shared_register_blocks only) is sent split_depth, a multiple of its K step:
// group z then adds k in [z * split_depth, (z + 1) * split_depth) only, and writes its plain sums to product
// z's place in C (the partial sums, which gemm_sum_splits adds); 0 means every group walks the whole of K.
layout(push_constant) uniform Layout
{
    uint m;
    uint n;
    uint k;
    uint a_row_stride;
    uint a_col_stride;
    uint b_row_stride;
    uint b_col_stride;
    float alpha;
    float beta;
    uint group_offset_x;
    uint group_offset_y;
    uint a_offset;
    uint b_offset;
    uint c_offset;
    uint a_batch_stride;
    uint b_batch_stride;
    uint c_batch_stride;
    uint split_depth;
};

// Where this workgroup's product starts in each buffer.
uint a_base()
{
    return a_offset + gl_WorkGroupID.z * a_batch_stride;
}

uint b_base()
{
    return b_offset + gl_WorkGroupID.z * b_batch_stride;
}

uint c_base()
{
    return c_offset + gl_WorkGroupID.z * c_batch_stride;
}
