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
                // B^T: column j of the panel is a contiguous run of B's row j. Reading each source row
                // once and writing with stride nr keeps the reads sequential; the written panel
                // (kc x nr floats) stays in L1 and L2 while it fills.
                for (var jj = 0; jj < width; jj++)
                {
                    var source = b + (long)(column + jj) * k + p0;
                    var target = panel + jj;
                    for (var p = 0; p < kc; p++)
                    {
                        target[(long)p * nr] = source[p];
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
        }
    }

    /// <summary>
    /// Packs rows [0, rows) of an A block into one panel of kc x mr floats, zero-padding rows past
    /// <paramref name="rows"/>. Element (r, p) of the block is at <c>a + r * rowStride + p * stepStride</c>.
    /// </summary>
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
