// The push constants of every GEMM shader. op(A)(r, p) = a[r * a_row_stride + p * a_col_stride] and
// op(B)(p, c) = b[p * b_row_stride + c * b_col_stride], so a transpose costs nothing. The tiled shaders
// add group_offset to gl_WorkGroupID: a grid larger than maxComputeWorkGroupCount is recorded as
// several dispatches, each starting where the last ended. The grid-stride naive shader covers any size
// in one dispatch and is sent zero offsets.
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
};
