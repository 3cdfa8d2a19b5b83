#version 450
// C (M,N) = epilogue(alpha * op(A) (M,K) * op(B) (K,N) + beta * C) in register blocks: each thread keeps a
// BLOCK_ROWS x BLOCK_COLS block of C in registers and, per step along K, loads BLOCK_ROWS values of
// op(A) and BLOCK_COLS of op(B) once and reuses each across the block (an outer product), instead of
// two loads per multiply-add as the naive shader does. No shared memory and no barriers: on lavapipe a
// workgroup barrier costs more than the loads it saves. Strides, split dispatches, the epilogue
// and the beta-0 rule as in gemm_naive.comp; each output still adds its K products in order k = 0, 1, ...
// The workgroup size (constants 0 and 1) and the block size (constants 2 and 3) are specialization
// constants chosen per device.
#extension GL_GOOGLE_include_directive : require
#include "include/device_math.glsl"
#include "include/gemm_layout.glsl"
#include "include/epilogue.glsl"

layout(local_size_x_id = 0, local_size_y_id = 1) in;
layout(constant_id = 2) const uint BLOCK_ROWS = 4;
layout(constant_id = 3) const uint BLOCK_COLS = 4;

layout(std430, binding = 0) readonly buffer MatrixA { float a[]; };
layout(std430, binding = 1) readonly buffer MatrixB { float b[]; };
layout(std430, binding = 2) buffer MatrixC { float c[]; };

// A workgroup of X x Y threads covers a tile of Y * BLOCK_ROWS rows by X * BLOCK_COLS columns. A thread's
// columns are interleaved with its neighbours' (column = tile start + local x + q * X), so threads
// adjacent in x read adjacent elements of B and write adjacent elements of C: coalesced on a GPU,
// contiguous vector loads on lavapipe, which runs adjacent invocations as SIMD lanes. Its rows are
// consecutive: all lanes read the same element of A, a broadcast.
uint column_of(uint q)
{
    return (gl_WorkGroupID.x + group_offset_x) * gl_WorkGroupSize.x * BLOCK_COLS + gl_LocalInvocationID.x + q * gl_WorkGroupSize.x;
}

void main()
{
    uint row_base = ((gl_WorkGroupID.y + group_offset_y) * gl_WorkGroupSize.y + gl_LocalInvocationID.y) * BLOCK_ROWS;
    if (row_base >= m || column_of(0) >= n)
    {
        return;
    }
    uint a0 = a_base();
    uint b0 = b_base();
    uint c0 = c_base();

    float sums[BLOCK_ROWS * BLOCK_COLS];
    for (uint i = 0; i < BLOCK_ROWS * BLOCK_COLS; i++)
    {
        sums[i] = 0.0;
    }
    // Rows and columns past the edge of C repeat the last valid one, so every load stays inside
    // the buffers without a branch; their sums are never stored.
    uint rows[BLOCK_ROWS];
    for (uint r = 0; r < BLOCK_ROWS; r++)
    {
        rows[r] = min(row_base + r, m - 1);
    }
    uint cols[BLOCK_COLS];
    for (uint q = 0; q < BLOCK_COLS; q++)
    {
        cols[q] = min(column_of(q), n - 1);
    }

    float a_values[BLOCK_ROWS];
    float b_values[BLOCK_COLS];
    for (uint p = 0; p < k; p++)
    {
        for (uint r = 0; r < BLOCK_ROWS; r++)
        {
            a_values[r] = a[a0 + rows[r] * a_row_stride + p * a_col_stride];
        }
        for (uint q = 0; q < BLOCK_COLS; q++)
        {
            b_values[q] = b[b0 + p * b_row_stride + cols[q] * b_col_stride];
        }
        for (uint r = 0; r < BLOCK_ROWS; r++)
        {
            for (uint q = 0; q < BLOCK_COLS; q++)
            {
                sums[r * BLOCK_COLS + q] += a_values[r] * b_values[q];
            }
        }
    }

    for (uint r = 0; r < BLOCK_ROWS; r++)
    {
        uint row = row_base + r;
        for (uint q = 0; q < BLOCK_COLS; q++)
        {
            uint col = column_of(q);
            if (row < m && col < n)
            {
                uint element = c0 + row * n + col;
                float product = alpha * sums[r * BLOCK_COLS + q];
                c[element] = epilogue(is_zero(beta) ? product : product + beta * c[element], row, col);
            }
        }
    }
}
