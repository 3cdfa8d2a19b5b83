#version 450
// C (M,N) = epilogue(alpha * op(A) (M,K) * op(B) (K,N) + beta * C) for GPUs, discrete and integrated:
// a workgroup of X x Y threads owns a tile of C of (Y * BLOCK_ROWS) x (X * BLOCK_COLS), and walks K in
// steps of TILE_K. Per step all its threads copy the step's slices of op(A) and op(B) into shared memory
// together, then each thread multiplies a BLOCK_ROWS x BLOCK_COLS block of C in registers out of them:
// each global element is loaded once per workgroup instead of once per thread, and each shared-memory
// load feeds several multiply-adds. Two barriers per step, which is why lavapipe (where a barrier costs
// more than the loads it saves) runs gemm_register_blocks.comp instead. Elements past the edges of
// op(A) and op(B) are staged as zeros, so no load leaves the buffers, and outputs past the edges of C are
// never stored. Strides, split dispatches, the epilogue and the beta-0 rule as in gemm_naive.comp; each
// output adds its K products in order k = 0, 1, ... A split K (split_depth, include/gemm_layout.glsl)
// makes group z add its own range of K only, in the same order, and gemm_sum_splits adds the ranges.
// Specialization constants: the workgroup size (0, 1), the block size (2, 3: multiples of 4, the vec4
// loads below) and TILE_K (4).
#extension GL_GOOGLE_include_directive : require
#include "include/device_math.glsl"
#include "include/gemm_layout.glsl"
#include "include/epilogue.glsl"

layout(local_size_x_id = 0, local_size_y_id = 1) in;
layout(constant_id = 2) const uint BLOCK_ROWS = 4;
layout(constant_id = 3) const uint BLOCK_COLS = 4;
layout(constant_id = 4) const uint TILE_K = 8;

const uint TILE_ROWS = gl_WorkGroupSize.y * BLOCK_ROWS;
const uint TILE_COLS = gl_WorkGroupSize.x * BLOCK_COLS;
const uint THREADS = gl_WorkGroupSize.x * gl_WorkGroupSize.y;

layout(std430, binding = 0) readonly buffer MatrixA { float a[]; };
layout(std430, binding = 1) readonly buffer MatrixB { float b[]; };
layout(std430, binding = 2) buffer MatrixC { float c[]; };

// Step slices, K-major, in vec4s: op(A)(tile row r, k0 + p) is float p * TILE_ROWS + r of tile_a, likewise
// tile_b by column. A thread's rows, and its columns, are consecutive and start at a multiple of 4, so it
// reads each step's values of its block in 16-byte loads: BLOCK_ROWS / 4 + BLOCK_COLS / 4 of them.
shared vec4 tile_a[TILE_K * TILE_ROWS / 4];
shared vec4 tile_b[TILE_K * TILE_COLS / 4];

void main()
{
    uint tile_row = (gl_WorkGroupID.y + group_offset_y) * TILE_ROWS;
    uint tile_col = (gl_WorkGroupID.x + group_offset_x) * TILE_COLS;
    // Its neighbours in x read the same vec4 of tile_a (a broadcast) and adjacent vec4s of tile_b, and
    // write adjacent runs of BLOCK_COLS elements of C.
    uint local_row = gl_LocalInvocationID.y * BLOCK_ROWS;
    uint local_col = gl_LocalInvocationID.x * BLOCK_COLS;
    uint k_begin = split_depth == 0 ? 0 : gl_WorkGroupID.z * split_depth;
    uint k_end = split_depth == 0 ? k : min(k, k_begin + split_depth);
    uint a0 = a_base();
    uint b0 = b_base();
    uint c0 = c_base();

    float sums[BLOCK_ROWS * BLOCK_COLS];
    for (uint i = 0; i < BLOCK_ROWS * BLOCK_COLS; i++)
    {
        sums[i] = 0.0;
    }

    float a_values[BLOCK_ROWS];
    float b_values[BLOCK_COLS];
    for (uint k0 = k_begin; k0 < k_end; k0 += TILE_K)
    {
        // Neighbouring invocations take neighbouring elements along the operand's stride-1 dimension, so their global
        // loads coalesce: along K when op(A) is A untransposed (a_col_stride 1) or op(B) is B transposed (b_row_stride
        // 1), the NT product of every linear forward; along the tile's rows or columns otherwise.
        bool a_along_k = a_col_stride == 1;
        for (uint i = gl_LocalInvocationIndex; i < TILE_K * TILE_ROWS; i += THREADS)
        {
            uint p = a_along_k ? i % TILE_K : i / TILE_ROWS;
            uint r = a_along_k ? i / TILE_K : i % TILE_ROWS;
            uint row = tile_row + r;
            uint slot = p * TILE_ROWS + r;
            tile_a[slot / 4][slot % 4] = row < m && k0 + p < k_end ? a[a0 + row * a_row_stride + (k0 + p) * a_col_stride] : 0.0;
        }
        bool b_along_k = b_row_stride == 1;
        for (uint i = gl_LocalInvocationIndex; i < TILE_K * TILE_COLS; i += THREADS)
        {
            uint p = b_along_k ? i % TILE_K : i / TILE_COLS;
            uint q = b_along_k ? i / TILE_K : i % TILE_COLS;
            uint col = tile_col + q;
            uint slot = p * TILE_COLS + q;
            tile_b[slot / 4][slot % 4] = col < n && k0 + p < k_end ? b[b0 + (k0 + p) * b_row_stride + col * b_col_stride] : 0.0;
        }
        barrier();

        // Past the end of the range the slices hold zeros; stopping there keeps each sum's terms exactly its range's.
        uint steps = min(TILE_K, k_end - k0);
        for (uint p = 0; p < steps; p++)
        {
            for (uint v = 0; v < BLOCK_ROWS / 4; v++)
            {
                vec4 four = tile_a[(p * TILE_ROWS + local_row) / 4 + v];
                a_values[4 * v] = four.x;
                a_values[4 * v + 1] = four.y;
                a_values[4 * v + 2] = four.z;
                a_values[4 * v + 3] = four.w;
            }
            for (uint v = 0; v < BLOCK_COLS / 4; v++)
            {
                vec4 four = tile_b[(p * TILE_COLS + local_col) / 4 + v];
                b_values[4 * v] = four.x;
                b_values[4 * v + 1] = four.y;
                b_values[4 * v + 2] = four.z;
                b_values[4 * v + 3] = four.w;
            }
            for (uint r = 0; r < BLOCK_ROWS; r++)
            {
                for (uint q = 0; q < BLOCK_COLS; q++)
                {
                    sums[r * BLOCK_COLS + q] += a_values[r] * b_values[q];
                }
            }
        }
        // The next step overwrites the slices only after every thread has read them.
        barrier();
    }

    for (uint r = 0; r < BLOCK_ROWS; r++)
    {
        uint row = tile_row + local_row + r;
        for (uint q = 0; q < BLOCK_COLS; q++)
        {
            uint col = tile_col + local_col + q;
            if (row < m && col < n)
            {
                uint element = c0 + row * n + col;
                float product = alpha * sums[r * BLOCK_COLS + q];
                c[element] = epilogue(is_zero(beta) ? product : product + beta * c[element], row, col);
            }
        }
    }
}
