using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;

namespace Descent.Kernels.Cpu.Gemm;

/// <summary>
/// Copies blocks of A and B into the layout the micro-kernel streams: for B, panels of NR columns
/// with the NR values of one step of K contiguous (two aligned vector loads); for A, panels of MR
/// rows with the MR values of one step contiguous. Panels that overhang the matrix are padded with
/// zeros, so the micro-kernel never needs an edge case and never reads outside a buffer.
/// </summary>
internal static unsafe class GemmPacking
{
    /// <summary>
    /// Packs op(B)[p0 .. p0+kc, j0 .. j0+cols) into ceil(cols / nr) panels of kc x nr floats.
    /// op(B) is K x N: B is stored K x N, or N x K when <paramref name="transposeB"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void PackB(float* b, bool transposeB, int n, int k, int p0, int kc, int j0, int cols, int nr, float* destination)
    {
        for (var panelStart = 0; panelStart < cols; panelStart += nr)
        {
            var width = Math.Min(nr, cols - panelStart);
            var panel = destination + (long)(panelStart / nr) * kc * nr;
            var column = j0 + panelStart;
            if (!transposeB)
            {
                // Row p of the panel is a contiguous run of B's row p0 + p: a straight copy.
                for (var p = 0; p < kc; p++)
                {
                    var source = new ReadOnlySpan<float>(b + (long)(p0 + p) * n + column, width);
                    var target = new Span<float>(panel + (long)p * nr, nr);
                    source.CopyTo(target);
                    target[width..].Clear();
                }
            }
            else
            {
                PackTransposedPanel(b + (long)column * k + p0, k, kc, width, nr, panel);
            }
        }
    }

    /// <summary>
    /// One panel of B^T: panel[p * nr + j] = source[j * k + p] for j &lt; width, zero beyond. This is a
    /// transpose, the costly packing case (the forward pass's Y = X W^T reads W this way), so eight
    /// rows by eight steps are moved at once through an in-register 8 x 8 transpose where AVX is
    /// present: eight contiguous loads and eight contiguous stores instead of 64 strided moves.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PackTransposedPanel(float* source, int k, int kc, int width, int nr, float* panel)
    {
        var j = 0;
        if (Avx.IsSupported)
        {
            for (; j + 8 <= width; j += 8)
            {
                var rows = source + (long)j * k;
                var p = 0;
                for (; p + 8 <= kc; p += 8)
                {
                    Transpose8x8(rows + p, k, panel + (long)p * nr + j, nr);
                }
                for (; p < kc; p++)
                {
                    for (var jj = 0; jj < 8; jj++)
                    {
                        panel[(long)p * nr + j + jj] = rows[(long)jj * k + p];
                    }
                }
            }
        }
        for (; j < width; j++)
        {
            var row = source + (long)j * k;
            for (var p = 0; p < kc; p++)
            {
                panel[(long)p * nr + j] = row[p];
            }
        }
        if (width < nr)
        {
            for (var p = 0; p < kc; p++)
            {
                new Span<float>(panel + (long)p * nr + width, nr - width).Clear();
            }
        }
    }

    /// <summary>destination[r * destinationStride + c] = source[c * sourceStride + r] for an 8 x 8 block.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Transpose8x8(float* source, long sourceStride, float* destination, long destinationStride)
    {
        var r0 = Avx.LoadVector256(source);
        var r1 = Avx.LoadVector256(source + sourceStride);
        var r2 = Avx.LoadVector256(source + 2 * sourceStride);
        var r3 = Avx.LoadVector256(source + 3 * sourceStride);
        var r4 = Avx.LoadVector256(source + 4 * sourceStride);
        var r5 = Avx.LoadVector256(source + 5 * sourceStride);
        var r6 = Avx.LoadVector256(source + 6 * sourceStride);
        var r7 = Avx.LoadVector256(source + 7 * sourceStride);
        // Interleave pairs of rows, then pairs of pairs, then swap 128-bit halves: the textbook AVX transpose.
        var t0 = Avx.UnpackLow(r0, r1);
        var t1 = Avx.UnpackHigh(r0, r1);
        var t2 = Avx.UnpackLow(r2, r3);
        var t3 = Avx.UnpackHigh(r2, r3);
        var t4 = Avx.UnpackLow(r4, r5);
        var t5 = Avx.UnpackHigh(r4, r5);
        var t6 = Avx.UnpackLow(r6, r7);
        var t7 = Avx.UnpackHigh(r6, r7);
        var u0 = Avx.Shuffle(t0, t2, 0x44);
        var u1 = Avx.Shuffle(t0, t2, 0xEE);
        var u2 = Avx.Shuffle(t1, t3, 0x44);
        var u3 = Avx.Shuffle(t1, t3, 0xEE);
        var u4 = Avx.Shuffle(t4, t6, 0x44);
        var u5 = Avx.Shuffle(t4, t6, 0xEE);
        var u6 = Avx.Shuffle(t5, t7, 0x44);
        var u7 = Avx.Shuffle(t5, t7, 0xEE);
        Avx.Store(destination, Avx.Permute2x128(u0, u4, 0x20));
        Avx.Store(destination + destinationStride, Avx.Permute2x128(u1, u5, 0x20));
        Avx.Store(destination + 2 * destinationStride, Avx.Permute2x128(u2, u6, 0x20));
        Avx.Store(destination + 3 * destinationStride, Avx.Permute2x128(u3, u7, 0x20));
        Avx.Store(destination + 4 * destinationStride, Avx.Permute2x128(u0, u4, 0x31));
        Avx.Store(destination + 5 * destinationStride, Avx.Permute2x128(u1, u5, 0x31));
        Avx.Store(destination + 6 * destinationStride, Avx.Permute2x128(u2, u6, 0x31));
        Avx.Store(destination + 7 * destinationStride, Avx.Permute2x128(u3, u7, 0x31));
    }

    /// <summary>
    /// Packs rows [0, rows) of an A block into one panel of kc x mr floats, zero-padding rows past
    /// <paramref name="rows"/>. Element (r, p) of the block is at <c>a + r * rowStride + p * stepStride</c>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void PackA(float* a, nint rowStride, nint stepStride, int rows, int kc, int mr, float* destination)
    {
        for (var p = 0; p < kc; p++)
        {
            var source = a + p * stepStride;
            var target = destination + (long)p * mr;
            var r = 0;
            for (; r < rows; r++)
            {
                target[r] = source[r * rowStride];
            }
            for (; r < mr; r++)
            {
                target[r] = 0f;
            }
        }
    }
}
