using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Descent.Kernels.Cpu.Gemm;

namespace Descent.Kernels.Cpu;

/// <summary>
/// The weight gradient of a 3x3 convolution at stride 1 through the same F(2x2, 3x3) transforms as
/// <see cref="WinogradConvolution"/>. A block's outputs are A^T (U .* V) A with U = G g G^T, so the gradient of the loss
/// with respect to U is (A delta A^T) .* V for the block's 2x2 output gradient delta, summed over blocks; and the
/// kernel's gradient is G^T (that sum) G. For each of the 16 positions xi the sum over every block of every image is a
/// GEMM, D_xi (out channels x blocks) times V_xi^T (blocks x in channels), whose depth is the blocks: 16 products per
/// block and channel pair where the direct gradient has 36.
/// <para>
/// Per unit of blocks (<see cref="WinogradGeometry"/>): the input blocks transformed as for the forward pass, then
/// turned to block-major panels of 32 input channels (8 x 8 register transposes) for the micro-kernel's B rows; the
/// output gradient's 2x2 blocks transformed to D, read in place as the micro-kernel's A (8 output channels, one block a
/// step); each 8 x 32 tile added to the chunk's partial. Chunks are fixed runs of images, summed in order afterwards
/// and only then taken back through G^T . G, so the bits depend on the batch alone.
/// </para>
/// </summary>
internal static unsafe class WinogradWeightGradient
{
    private const int Positions = WinogradConvolution.Positions;

    private const int Lanes = 16;

    private const int PanelColumns = ShiftedRowsConvolution.TileColumns;

    /// <summary>
    /// Whether a convolution's weight gradient runs here: where its forward product would (<see cref="WinogradConvolution.Applies"/>:
    /// 8 or more channels each way), on planes of <see cref="MinBlockColumns"/> or more blocks to a row, with input channels
    /// in whole 32-wide panels. On narrower planes this path, with its transpose and output-gradient transform besides,
    /// lost to the direct gradient (measured alone at batch 128: 14x14 planes of 32 channels 1.05 -> 1.39 ms, 7x7 of 64
    /// 1.25 -> 1.90 ms; with the forward pass's prefetch, out of cache, 1.18-1.24 -> 1.31-1.33 and 1.15-1.18 -> 1.36-1.42;
    /// 26x26 into 64 channels at batch 64 gained, 3.05 -> 2.65 ms).
    /// </summary>
    public static bool Applies(in Conv2dShape shape) =>
        WinogradConvolution.Fits(shape) && shape.InChannels % PanelColumns == 0 && WinogradConvolution.Forward(shape) is var forward
        && WinogradConvolution.Applies(forward) && forward.BlockColumns >= MinBlockColumns;

    /// <summary>The fewest 2x2 blocks to a block row this path takes: 12, where the forward product takes 4.</summary>
    public const int MinBlockColumns = 12;

    /// <summary>Floats of a chunk's partial: 16 positions x out x in channels.</summary>
    public static long PartialLength(in WinogradGeometry product) => (long)Positions * product.OutChannels * product.InChannels;

    /// <summary>Floats of one thread's scratch: the forward product's, the block-major panels, two split output-gradient rows, a tile.</summary>
    public static long ScratchLength(in WinogradGeometry product) =>
        product.ScratchLength + PanelLength(product) + 4L * product.HalfPitch + ShiftedRowsConvolution.TileRows * PanelColumns;

    /// <summary>Floats of the block-major panels: 16 positions x in channels x the unit's blocks rounded up to 8.</summary>
    private static long PanelLength(in WinogradGeometry product) => (long)Positions * product.InChannels * Steps(product);

    /// <summary>Blocks of a unit's panels: whole 8 x 8 transposes.</summary>
    private static int Steps(in WinogradGeometry product) => (product.Images * product.GroupBlocks + 7) / 8 * 8;

    /// <summary>
    /// Adds the unit (block rows [firstBlockRow, firstBlockRow + GroupRows) of <paramref name="images"/> images from
    /// <paramref name="input"/> and <paramref name="outputGradient"/>) into <paramref name="partial"/>; <paramref name="first"/>
    /// overwrites it instead. <paramref name="nextInput"/> and <paramref name="nextGradient"/>, what a later unit reads, are
    /// prefetched a sixteenth at a time between the positions' products, as the forward product does (the CNN's conv2
    /// weight gradient alone at batch 64, inputs out of cache: 2.77 -> 2.48 ms).
    /// </summary>
    public static void Accumulate(in WinogradGeometry product, float* input, float* outputGradient, int images, int firstBlockRow,
        float* partial, bool first, float* scratch, CachePrefetch.Range nextInput, CachePrefetch.Range nextGradient)
    {
        var transformed = scratch + product.BorderedLength;
        var gradients = transformed + product.TransformedLength;
        var panels = scratch + product.ScratchLength;
        var splitRows = panels + PanelLength(product);
        var tile = splitRows + 4L * product.HalfPitch;
        var unit = WinogradConvolution.TransformInput(product, input, images, firstBlockRow, scratch);
        var columns = unit.Columns(product);
        ToPanels(product, transformed, columns, panels);
        TransformOutputGradient(product, outputGradient, images, firstBlockRow, unit.BlockRows, splitRows, gradients);
        MultiplyPositions(product, gradients, panels, columns, partial, first, tile, nextInput, nextGradient);
    }

    /// <summary>V[xi][c][block] to panels[xi][c / 32][block][c mod 32], eight channels by eight blocks at a time.</summary>
    private static void ToPanels(in WinogradGeometry product, float* transformed, int columns, float* panels)
    {
        var (steps, pitch) = (Steps(product), product.ColumnPitch);
        for (var xi = 0; xi < Positions; xi++)
        {
            var source = transformed + xi * product.TransformedPlane;
            var target = panels + (long)xi * product.InChannels * steps;
            for (var c = 0; c < product.InChannels; c += 8)
            {
                var panel = target + (long)(c / PanelColumns) * steps * PanelColumns + c % PanelColumns;
                for (var block = 0; block < columns; block += 8)
                {
                    GemmPacking.Transpose8x8(source + (long)c * pitch + block, pitch, panel + (long)block * PanelColumns, PanelColumns);
                }
            }
        }
    }

    /// <summary>
    /// D[xi][o][block] = (A delta A^T)[xi] for every block of every image of the unit, sixteen blocks of a block row at a
    /// time, with A = [1 0; 1 1; 1 -1; 0 -1]: the block's two rows of output gradient, split into even and odd columns
    /// (zero past the output's edge), give the rows (d0, d0 + d1, d0 - d1, -d1), and each of those the same over its columns.
    /// Rows of 16 to 32 columns (one vector of blocks: the CNN's 24) are split in registers, wider or narrower ones through
    /// a buffer: in registers there are no stores and reloads per row, and no 512-bit load spanning the narrower stores just
    /// made (the CNN's conv2 weight gradient alone: 2.53-2.55 -> 2.24-2.34 ms, with the loops' geometry reads hoisted too).
    /// </summary>
    private static void TransformOutputGradient(in WinogradGeometry product, float* outputGradient, int images, int firstBlockRow,
        int blockRows, float* splitRows, float* gradients)
    {
        if (product.OutWidth >= Lanes && product.OutWidth <= 2 * Lanes)
        {
            var rows = new RegisterRows(product);
            TransformOutputGradient(product, outputGradient, images, firstBlockRow, blockRows, ref rows, gradients);
        }
        else
        {
            var rows = new BufferedRows(product, splitRows);
            TransformOutputGradient(product, outputGradient, images, firstBlockRow, blockRows, ref rows, gradients);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void TransformOutputGradient<TRows>(in WinogradGeometry product, float* outputGradient, int images, int firstBlockRow,
        int blockRows, ref TRows rows, float* gradients) where TRows : struct, IRowPairs
    {
        var (outHeight, outWidth, blockColumns) = (product.OutHeight, product.OutWidth, product.BlockColumns);
        var planeStride = product.ProductPlane;
        var outPlane = (long)outHeight * outWidth;
        for (var image = 0; image < images; image++)
        {
            for (var o = 0; o < product.OutChannels; o++)
            {
                var plane = outputGradient + ((long)image * product.OutChannels + o) * outPlane;
                var target = gradients + (long)o * product.ColumnPitch + image * product.GroupBlocks;
                for (var i = 0; i < blockRows; i++)
                {
                    rows.Split(plane, 2 * (firstBlockRow + i));
                    for (var j = 0; j < blockColumns; j += Lanes)
                    {
                        var (e0, o0, e1, o1) = rows.Blocks(j);
                        TransformBlocks(e0, o0, e1, o1, target + (long)i * blockColumns + j, planeStride);
                    }
                }
            }
        }
    }

    /// <summary>A block row's two output-gradient rows as even and odd columns, sixteen blocks at a time.</summary>
    private interface IRowPairs
    {
        /// <summary>Takes rows <paramref name="row"/> and row + 1 of <paramref name="plane"/> (the second zero below the output).</summary>
        void Split(float* plane, int row);

        /// <summary>Blocks [j, j + 16): the top row's even and odd columns, then the bottom row's.</summary>
        (Vector512<float> E0, Vector512<float> O0, Vector512<float> E1, Vector512<float> O1) Blocks(int j);
    }

    /// <summary>Rows split into a buffer of even then odd columns, zero where the output has no column.</summary>
    private struct BufferedRows : IRowPairs
    {
        private readonly float* top;
        private readonly float* bottom;
        private readonly int half;
        private readonly int width;
        private readonly int height;

        public BufferedRows(in WinogradGeometry product, float* splitRows)
        {
            top = splitRows;
            bottom = splitRows + 2 * product.HalfPitch;
            (half, width, height) = (product.HalfPitch, product.OutWidth, product.OutHeight);
            // Split rows are written only where the output gradient has columns: an odd width's last odd column stays this zero.
            new Span<float>(splitRows, 4 * half).Clear();
        }

        public readonly void Split(float* plane, int row)
        {
            ShiftedRowsConvolution.SplitRowInTwo(plane + (long)row * width, width, top, half, 0);
            if (row + 1 < height)
            {
                ShiftedRowsConvolution.SplitRowInTwo(plane + (row + 1L) * width, width, bottom, half, 0);
            }
            else
            {
                // An odd height's last block: its second row is below the output, zero.
                new Span<float>(bottom, 2 * half).Clear();
            }
        }

        public readonly (Vector512<float> E0, Vector512<float> O0, Vector512<float> E1, Vector512<float> O1) Blocks(int j) =>
            (Vector512.Load(top + j), Vector512.Load(top + half + j), Vector512.Load(bottom + j), Vector512.Load(bottom + half + j));
    }

    /// <summary>
    /// Rows of 16 to 32 floats split in registers, zero past the row: two loads that stay inside the row (its first 16
    /// floats and its last 16) and one two-source permutation per half. One vector of blocks: j is always 0.
    /// </summary>
    private struct RegisterRows : IRowPairs
    {
        private readonly int tail;
        private readonly int width;
        private readonly int height;
        private readonly Vector512<int> evenIndex;
        private readonly Vector512<int> oddIndex;
        private readonly Vector512<float> evenKept;
        private readonly Vector512<float> oddKept;
        private (Vector512<float> E0, Vector512<float> O0, Vector512<float> E1, Vector512<float> O1) blocks;

        public RegisterRows(in WinogradGeometry product)
        {
            (width, height) = (product.OutWidth, product.OutHeight);
            tail = width - Lanes;
            var indices = stackalloc int[2 * Lanes];
            var kept = stackalloc int[2 * Lanes];
            for (var lane = 0; lane < 2 * Lanes; lane++)
            {
                // Lane l of the even half is column 2l, of the odd half 2l + 1 (lanes 16 on): from the first load below
                // column 16, else from the second (which starts at column tail; the permutation's indices 16 on).
                var column = lane < Lanes ? 2 * lane : 2 * (lane - Lanes) + 1;
                indices[lane] = column < Lanes ? column : Lanes + column - tail;
                kept[lane] = column < width ? -1 : 0;
            }
            evenIndex = Vector512.Load(indices) & Vector512.Create(2 * Lanes - 1);
            oddIndex = Vector512.Load(indices + Lanes) & Vector512.Create(2 * Lanes - 1);
            evenKept = Vector512.Load(kept).AsSingle();
            oddKept = Vector512.Load(kept + Lanes).AsSingle();
        }

        public void Split(float* plane, int row)
        {
            var (e0, o0) = Of(plane + (long)row * width);
            // An odd height's last block: its second row is below the output, zero.
            var (e1, o1) = row + 1 < height ? Of(plane + (row + 1L) * width) : default;
            blocks = (e0, o0, e1, o1);
        }

        public readonly (Vector512<float> E0, Vector512<float> O0, Vector512<float> E1, Vector512<float> O1) Blocks(int j) => blocks;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private readonly (Vector512<float> Even, Vector512<float> Odd) Of(float* row)
        {
            var (first, last) = (Vector512.Load(row), Vector512.Load(row + tail));
            return (Avx512F.PermuteVar16x32x2(first, evenIndex, last) & evenKept, Avx512F.PermuteVar16x32x2(first, oddIndex, last) & oddKept);
        }
    }

    /// <summary>
    /// Sixteen blocks' A delta A^T from their top rows' even and odd columns (e0, o0) and their bottom rows' (e1, o1):
    /// the rows (d0, d0 + d1, d0 - d1, -d1), each then over its columns.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void TransformBlocks(Vector512<float> e0, Vector512<float> o0, Vector512<float> e1, Vector512<float> o1, float* blocks,
        long planeStride)
    {
        ColumnTransform(e0, o0, blocks, planeStride);
        ColumnTransform(e0 + e1, o0 + o1, blocks + 4 * planeStride, planeStride);
        ColumnTransform(e0 - e1, o0 - o1, blocks + 8 * planeStride, planeStride);
        ColumnTransform(-e1, -o1, blocks + 12 * planeStride, planeStride);
    }

    /// <summary>One row (u0, u1) of A delta to positions b = 0..3: (u0, u0 + u1, u0 - u1, -u1).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void ColumnTransform(Vector512<float> even, Vector512<float> odd, float* target, long planeStride)
    {
        even.Store(target);
        (even + odd).Store(target + planeStride);
        (even - odd).Store(target + 2 * planeStride);
        (-odd).Store(target + 3 * planeStride);
    }

    /// <summary>partial[xi][o][c] (+)= sum over the unit's blocks of D[xi][o][block] V[xi][c][block], 8 x 32 tiles.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void MultiplyPositions(in WinogradGeometry product, float* gradients, float* panels, int columns, float* partial,
        bool first, float* tile, CachePrefetch.Range nextInput, CachePrefetch.Range nextGradient)
    {
        var (outs, ins, steps, pitch) = (product.OutChannels, product.InChannels, Steps(product), product.ColumnPitch);
        for (var xi = 0; xi < Positions; xi++)
        {
            var d = gradients + xi * product.ProductPlane;
            var v = panels + (long)xi * ins * steps;
            var sums = partial + (long)xi * outs * ins;
            nextInput.Part(xi, Positions);
            nextGradient.Part(xi, Positions);
            for (var row = 0; row < outs; row += ShiftedRowsConvolution.TileRows)
            {
                var rows = Math.Min(ShiftedRowsConvolution.TileRows, outs - row);
                for (var c = 0; c < ins; c += PanelColumns)
                {
                    MicroKernel8x32.Multiply(d + (long)row * pitch, pitch, 1, v + (long)c * steps, columns, tile, PanelColumns);
                    for (var r = 0; r < rows; r++)
                    {
                        var target = sums + (long)(row + r) * ins + c;
                        var source = tile + r * PanelColumns;
                        for (var k = 0; k < PanelColumns; k += Lanes)
                        {
                            var value = Vector512.Load(source + k);
                            (first ? value : value + Vector512.Load(target + k)).Store(target + k);
                        }
                    }
                }
            }
        }
    }

    /// <summary>
    /// weightGradient[o][c][3 x 3] = G^T (sum over chunks, in order, of partial[xi][o][c]) G with
    /// G^T = [1 1/2 1/2 0; 0 1/2 -1/2 0; 0 1/2 1/2 1], for output channels [start, end).
    /// </summary>
    public readonly struct SumChunks(float* partials, int chunks, long partialLength, int outs, int ins, float* weightGradient) : IRangeKernel
    {
        public void Execute(int start, int end)
        {
            // Sixteen input channels at a time: the 16 positions' sums (chunks added in order), G^T . G, and the nine taps
            // turned to the gradient's tap-minor layout through a small buffer.
            var m = stackalloc Vector512<float>[Positions];
            var rows = stackalloc Vector512<float>[12];
            var taps = stackalloc float[9 * Lanes];
            var planeLength = (long)outs * ins;
            var half = Vector512.Create(0.5f);
            for (var o = start; o < end; o++)
            {
                for (var c = 0; c < ins; c += Lanes)
                {
                    for (var xi = 0; xi < Positions; xi++)
                    {
                        var source = partials + xi * planeLength + (long)o * ins + c;
                        var sum = Vector512.Load(source);
                        for (var chunk = 1; chunk < chunks; chunk++)
                        {
                            sum += Vector512.Load(source + chunk * partialLength);
                        }
                        m[xi] = sum;
                    }
                    // G^T over the rows a: (m0 + (m1 + m2) / 2, (m1 - m2) / 2, (m1 + m2) / 2 + m3) for each column b.
                    for (var b = 0; b < 4; b++)
                    {
                        var (m0, m1, m2, m3) = (m[b], m[4 + b], m[8 + b], m[12 + b]);
                        rows[b] = m0 + half * (m1 + m2);
                        rows[4 + b] = half * (m1 - m2);
                        rows[8 + b] = half * (m1 + m2) + m3;
                    }
                    // Then over the columns, into taps[tap][lane].
                    for (var r = 0; r < 3; r++)
                    {
                        var (h0, h1, h2, h3) = (rows[4 * r], rows[4 * r + 1], rows[4 * r + 2], rows[4 * r + 3]);
                        (h0 + half * (h1 + h2)).Store(taps + (3 * r) * Lanes);
                        (half * (h1 - h2)).Store(taps + (3 * r + 1) * Lanes);
                        (half * (h1 + h2) + h3).Store(taps + (3 * r + 2) * Lanes);
                    }
                    var target = weightGradient + ((long)o * ins + c) * 9;
                    for (var lane = 0; lane < Lanes; lane++)
                    {
                        for (var tap = 0; tap < 9; tap++)
                        {
                            target[lane * 9 + tap] = taps[tap * Lanes + lane];
                        }
                    }
                }
            }
        }
    }
}
