using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Descent.Kernels.Cpu.Gemm;

namespace Descent.Kernels.Cpu;

/// <summary>
/// A 3x3 convolution at stride 1 by Winograd's minimal filtering F(2x2, 3x3) (Lavin and Gray, "Fast Algorithms for
/// Convolutional Neural Networks", 2016): each 2x2 block of outputs comes from the 4x4 block of input around it through
/// 16 products per channel pair instead of 36, so the multiply-adds shrink 2.25 times at the price of three cheap
/// transforms. The forward pass and, over the output gradient with the kernel turned half a circle, the input gradient.
/// <para>
/// With d a 4x4 input block, g the 3x3 kernel and
/// B^T = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1], G = [1 0 0; 1/2 1/2 1/2; 1/2 -1/2 1/2; 0 0 1], A^T = [1 1 1 0; 0 1 -1 -1],
/// the 2x2 outputs are A^T [sum over input channels of (G g G^T) .* (B^T d B)] A. Every coefficient is 0, 1 or 1/2, so
/// the transforms round only where their sums do. For each of the 16 positions xi of the transformed 4x4, the sum over
/// channels is a GEMM, U_xi (out x in) times V_xi (in x blocks): <see cref="MicroKernel8x32"/> tiles of 8 output
/// channels by 32 blocks, with a few images' blocks side by side where one image has too few to fill the tiles.
/// </para>
/// <para>
/// Layout, per unit (a few block rows of one image, or a few whole small images) on one thread: the bordered input with each row split into its even and odd columns
/// (so a block row's four columns are two aligned pairs, one vector of 16 blocks per load); V, 16 planes of
/// in-channels x <see cref="WinogradGeometry.ColumnPitch"/>; M, the GEMMs' 16 planes of out-channels x the same pitch.
/// Every output sums its channels in order from zero and the transforms in a fixed order, so its bits depend on its
/// inputs alone.
/// </para>
/// </summary>
internal static unsafe class WinogradConvolution
{
    /// <summary>Positions of the transformed block: 4 x 4.</summary>
    public const int Positions = 16;

    /// <summary>Blocks per vector of the transforms.</summary>
    private const int Lanes = 16;

    /// <summary>
    /// Whether a pass's product may run here: AVX-512, 8 or more channels on each side of the product (fewer fill too little
    /// of a tile or of its 16 GEMMs' depth to pay for the transforms), and 4 or more blocks to a block row. The transforms
    /// run 16 blocks of a row per vector, so narrow planes leave lanes idle, yet ResNet-20's 14x14 and 7x7 products (7
    /// and 4 blocks to a row) still ran faster this way than the direct product once the next images' input and output
    /// were prefetched (<see cref="Multiply"/>): alone, inputs out of cache, 1.22-1.26 -> 1.16-1.19 ms and 1.35-1.38 ->
    /// 1.24-1.25 ms at batch 128; in the training step, alternated over 5 rounds, forward and input gradient together 0.4
    /// to 2.3 ms faster (before that prefetch, in the step the direct product was as fast or faster).
    /// </summary>
    public static bool Applies(in WinogradGeometry product) =>
        Avx512F.IsSupported && product.InChannels >= 8 && product.OutChannels >= ShiftedRowsConvolution.TileRows
        && product.Pad is >= 0 and <= 2 && product.BlockColumns >= MinBlockColumns;

    /// <summary>The fewest 2x2 blocks to a block row that <see cref="Applies"/> takes.</summary>
    public const int MinBlockColumns = 4;

    /// <summary>The forward product of a 3x3, stride-1 convolution.</summary>
    public static WinogradGeometry Forward(in Conv2dShape shape) =>
        WinogradGeometry.Of(shape.InChannels, shape.Height, shape.Width, shape.Padding, shape.OutChannels);

    /// <summary>The input gradient's product: the output gradient bordered by 2 - padding, into the input's channels.</summary>
    public static WinogradGeometry BackwardInput(in Conv2dShape shape) =>
        WinogradGeometry.Of(shape.OutChannels, shape.OutHeight, shape.OutWidth, 2 - shape.Padding, shape.InChannels);

    /// <summary>Whether a convolution is one this path computes: 3x3, stride 1.</summary>
    public static bool Fits(in Conv2dShape shape) => shape.KernelHeight == 3 && shape.KernelWidth == 3 && shape.Stride == 1;

    /// <summary>
    /// U = G g G^T for every (out, in) pair, packed for the micro-kernel: packed[xi][panel][in][i] holds position xi of
    /// output channel panel * 8 + i's transformed kernel for input channel in (zero past the last output channel).
    /// <paramref name="flipped"/>: the input gradient's kernel, g[r][s] = weight[in][out][2 - r][2 - s].
    /// </summary>
    public static void PackWeights(float* weight, in WinogradGeometry product, bool flipped, float* packed)
    {
        var (outs, ins) = (product.OutChannels, product.InChannels);
        var panelLength = (long)ins * ShiftedRowsConvolution.TileRows;
        var positionLength = product.PaddedOutChannels * (long)ins;
        new Span<float>(packed, (int)product.PackedWeightLength).Clear();
        var g = stackalloc float[9];
        var gg = stackalloc float[12];
        for (var o = 0; o < outs; o++)
        {
            for (var c = 0; c < ins; c++)
            {
                for (var tap = 0; tap < 9; tap++)
                {
                    g[tap] = flipped ? weight[((long)c * outs + o) * 9 + 8 - tap] : weight[((long)o * ins + c) * 9 + tap];
                }
                // G g: 4 rows of 3, then (G g) G^T: 4 x 4.
                for (var s = 0; s < 3; s++)
                {
                    gg[s] = g[s];
                    gg[3 + s] = 0.5f * (g[s] + g[3 + s] + g[6 + s]);
                    gg[6 + s] = 0.5f * (g[s] - g[3 + s] + g[6 + s]);
                    gg[9 + s] = g[6 + s];
                }
                var target = packed + (o / ShiftedRowsConvolution.TileRows) * panelLength + (long)c * ShiftedRowsConvolution.TileRows
                    + o % ShiftedRowsConvolution.TileRows;
                for (var a = 0; a < 4; a++)
                {
                    var (h0, h1, h2) = (gg[3 * a], gg[3 * a + 1], gg[3 * a + 2]);
                    target[(4 * a) * positionLength] = h0;
                    target[(4 * a + 1) * positionLength] = 0.5f * (h0 + h1 + h2);
                    target[(4 * a + 2) * positionLength] = 0.5f * (h0 - h1 + h2);
                    target[(4 * a + 3) * positionLength] = h2;
                }
            }
        }
    }

    /// <summary>offsets[c] = c * ColumnPitch: where input channel c's row of a V plane starts, for the micro-kernel's steps.</summary>
    public static void ChannelOffsets(in WinogradGeometry product, int* offsets)
    {
        for (var c = 0; c < product.InChannels; c++)
        {
            offsets[c] = c * product.ColumnPitch;
        }
    }

    /// <summary>
    /// One unit of the product: block rows [firstBlockRow, firstBlockRow + GroupRows) of <paramref name="images"/> consecutive
    /// images (several images only where a group is every block row): output (images x OutChannels x OutHeight x OutWidth,
    /// from the first image's) = f(the convolution + row bias) of input (images x InChannels x Height x Width), through
    /// <paramref name="scratch"/> (<see cref="WinogradGeometry.ScratchLength"/> floats). <paramref name="nextInput"/> and
    /// <paramref name="nextOutput"/>, what a later unit will read and write, are prefetched a sixteenth at a time between
    /// the products' positions. Alone on ResNet-20's 16x28x28 convolutions at batch 128, inputs out of cache (Zen 5, 2
    /// threads): forward and input gradient 1.51-1.60 -> 1.17-1.20 ms each; asked for all at once before the unit, 1.38.
    /// </summary>
    public static void Multiply(in WinogradGeometry product, float* packedWeights, int* offsets, float* input, int images, int firstBlockRow,
        float* rowBias, Activation? activation, float* output, float* scratch, CachePrefetch.Range nextInput, CachePrefetch.Range nextOutput)
    {
        var transformed = scratch + product.BorderedLength;
        var products = transformed + product.TransformedLength;
        var rows = products + product.ProductLength;
        var unit = TransformInput(product, input, images, firstBlockRow, scratch);
        MultiplyPositions(product, packedWeights, offsets, transformed, unit.Columns(product), products, nextInput, nextOutput);
        if (activation is { } function)
        {
            ActivationFunctions.Select(function, new TransformOutputWith(product, products, unit, rowBias, output, rows));
        }
        else
        {
            TransformOutput<IdentityActivation>(product, products, unit, rowBias, output, rows);
        }
    }

    /// <summary>
    /// The unit's input blocks into V (<paramref name="scratch"/> + BorderedLength): bordered, transformed, and the last
    /// tile's columns past the unit's blocks zeroed (whatever the buffer held there, a denormal or a NaN, would only slow the
    /// multiply-adds whose results there are never read). Returns the unit.
    /// </summary>
    public static Unit TransformInput(in WinogradGeometry product, float* input, int images, int firstBlockRow, float* scratch)
    {
        var transformed = scratch + product.BorderedLength;
        var unit = new Unit(images, firstBlockRow, Math.Min(product.GroupRows, product.BlockRows - firstBlockRow));
        Border(product, input, unit, scratch);
        TransformInput(product, scratch, unit, transformed);
        var columns = unit.Columns(product);
        // The geometry's sizes are computed properties: read once, not per row.
        var (plane, pitch) = (product.TransformedPlane, product.ColumnPitch);
        for (var xi = 0; xi < Positions; xi++)
        {
            for (var c = 0; c < product.InChannels; c++)
            {
                new Span<float>(transformed + xi * plane + (long)c * pitch + columns, pitch - columns).Clear();
            }
        }
        return unit;
    }

    /// <summary>What one call computes: block rows [FirstBlockRow, FirstBlockRow + BlockRows) of Images images.</summary>
    public readonly record struct Unit(int Images, int FirstBlockRow, int BlockRows)
    {
        /// <summary>
        /// The unit's blocks as columns of V and M: image k's from k x GroupBlocks (several images only where a group is every
        /// block row, so the count is exact; a last, shorter group of one image leaves the rest of its columns unused).
        /// </summary>
        public int Columns(in WinogradGeometry product) => Images * BlockRows * product.BlockColumns;
    }

    /// <summary>
    /// The unit's bordered rows (2 x FirstBlockRow on, 2 x GroupRows + 2 of them) of each image's channels, zero outside the
    /// image, every row split into its even columns (HalfPitch floats) and then its odd ones: bordered column w + Pad of
    /// image row h is in bordered row h + Pad.
    /// </summary>
    private static void Border(in WinogradGeometry product, float* input, Unit unit, float* bordered)
    {
        new Span<float>(bordered, (int)(unit.Images * product.BorderedImageLength)).Clear();
        var (height, width, pad) = (product.Height, product.Width, product.Pad);
        var planeLength = (long)height * width;
        var firstRow = 2 * unit.FirstBlockRow;
        var (from, to) = (Math.Max(0, firstRow - pad), Math.Min(height, firstRow + 2 * unit.BlockRows + 2 - pad));
        var (borderedPlane, rowPitch, half) = (product.BorderedPlaneLength, product.RowPitch, product.HalfPitch);
        for (var plane = 0; plane < unit.Images * product.InChannels; plane++)
        {
            var source = input + plane * planeLength;
            var target = bordered + plane * borderedPlane;
            for (var h = from; h < to; h++)
            {
                ShiftedRowsConvolution.SplitRowInTwo(source + (long)h * width, width, target + (long)(h + pad - firstRow) * rowPitch, half, pad);
            }
        }
    }

    /// <summary>
    /// V[xi][c][image block] = (B^T d B)[xi] for every block, sixteen blocks of a block row at a time: the column
    /// transform over the block's four rows, then the row transform over its four columns, which in the split rows are
    /// the even and odd columns at the block's index and one past it.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void TransformInput(in WinogradGeometry product, float* bordered, Unit unit, float* transformed)
    {
        var (blockColumns, pitch, half) = (product.BlockColumns, product.RowPitch, product.HalfPitch);
        var planeStride = product.TransformedPlane;
        for (var image = 0; image < unit.Images; image++)
        {
            for (var c = 0; c < product.InChannels; c++)
            {
                var plane = bordered + ((long)image * product.InChannels + c) * product.BorderedPlaneLength;
                var target = transformed + (long)c * product.ColumnPitch + image * product.GroupBlocks;
                for (var i = 0; i < unit.BlockRows; i++)
                {
                    var row0 = plane + 2L * i * pitch;
                    var row1 = row0 + pitch;
                    var row2 = row1 + pitch;
                    var row3 = row2 + pitch;
                    for (var j = 0; j < blockColumns; j += Lanes)
                    {
                        // Even columns 2j, 2j + 2 and odd columns 2j + 1, 2j + 3 of each row, sixteen blocks wide.
                        var (e00, e01, o00, o01) = Columns(row0, half, j);
                        var (e10, e11, o10, o11) = Columns(row1, half, j);
                        var (e20, e21, o20, o21) = Columns(row2, half, j);
                        var (e30, e31, o30, o31) = Columns(row3, half, j);
                        var blocks = target + (long)i * blockColumns + j;
                        // B^T over the rows: (d0 - d2, d1 + d2, d2 - d1, d1 - d3), for each of the four columns.
                        RowTransform(e00 - e20, e01 - e21, o00 - o20, o01 - o21, blocks, planeStride);
                        RowTransform(e10 + e20, e11 + e21, o10 + o20, o11 + o21, blocks + 4 * planeStride, planeStride);
                        RowTransform(e20 - e10, e21 - e11, o20 - o10, o21 - o11, blocks + 8 * planeStride, planeStride);
                        RowTransform(e10 - e30, e11 - e31, o10 - o30, o11 - o31, blocks + 12 * planeStride, planeStride);
                    }
                }
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector512<float> Even0, Vector512<float> Even1, Vector512<float> Odd0, Vector512<float> Odd1) Columns(float* row,
        int half, int j) =>
        (Vector512.Load(row + j), Vector512.Load(row + j + 1), Vector512.Load(row + half + j), Vector512.Load(row + half + j + 1));

    /// <summary>B^T over one transformed row's four columns (d0 = even0, d1 = odd0, d2 = even1, d3 = odd1) into positions b = 0..3.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void RowTransform(Vector512<float> even0, Vector512<float> even1, Vector512<float> odd0, Vector512<float> odd1,
        float* target, long planeStride)
    {
        (even0 - even1).Store(target);
        (odd0 + even1).Store(target + planeStride);
        (even1 - odd0).Store(target + 2 * planeStride);
        (odd0 - odd1).Store(target + 3 * planeStride);
    }

    /// <summary>M[xi] (padded out channels x columns) = U[xi] V[xi], tile by tile, each stored straight from the registers.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void MultiplyPositions(in WinogradGeometry product, float* packedWeights, int* offsets, float* transformed, int columns,
        float* products, CachePrefetch.Range nextInput, CachePrefetch.Range nextOutput)
    {
        var (ins, pitch) = (product.InChannels, product.ColumnPitch);
        var positionWeights = (long)product.PaddedOutChannels * ins;
        for (var xi = 0; xi < Positions; xi++)
        {
            var v = transformed + xi * product.TransformedPlane;
            var m = products + xi * product.ProductPlane;
            var u = packedWeights + xi * positionWeights;
            nextInput.Part(xi, Positions);
            nextOutput.Part(xi, Positions);
            for (var column = 0; column < columns; column += ShiftedRowsConvolution.TileColumns)
            {
                for (var row = 0; row < product.PaddedOutChannels; row += ShiftedRowsConvolution.TileRows)
                {
                    MicroKernel8x32.MultiplyShifted(u + (long)row * ins, 1, ShiftedRowsConvolution.TileRows, v + column, offsets, ins,
                        m + (long)row * pitch + column, pitch);
                }
            }
        }
    }

    /// <summary>
    /// y = f(A^T m A + bias) for every block, sixteen blocks of a block row at a time: A^T over the rows, then over the
    /// columns; the two output rows' even and odd columns interleaved into a row buffer and stored as StoreRun stores
    /// (whole vectors, the last one moved back to end with the row).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void TransformOutput<TActivation>(in WinogradGeometry product, float* products, Unit unit, float* rowBias,
        float* output, float* rows) where TActivation : struct, IActivationForward
    {
        var (blockColumns, outHeight, outWidth) = (product.BlockColumns, product.OutHeight, product.OutWidth);
        var planeStride = product.ProductPlane;
        var evenRow = rows;
        var oddRow = rows + product.OutputRowLength;
        var interleaveLow = Vector512.Create(0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
        var interleaveHigh = Vector512.Create(8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
        var outPlane = (long)outHeight * outWidth;
        for (var image = 0; image < unit.Images; image++)
        {
            for (var o = 0; o < product.OutChannels; o++)
            {
                var source = products + (long)o * product.ColumnPitch + image * product.GroupBlocks;
                var plane = output + ((long)image * product.OutChannels + o) * outPlane;
                var bias = rowBias == null ? 0f : rowBias[o];
                for (var i = 0; i < unit.BlockRows; i++)
                {
                    for (var j = 0; j < blockColumns; j += Lanes)
                    {
                        var m = source + (long)i * blockColumns + j;
                        // A^T over the rows a for each column b, then over the columns.
                        var (top0, bottom0) = ColumnTransform(m, planeStride, 0);
                        var (top1, bottom1) = ColumnTransform(m, planeStride, 1);
                        var (top2, bottom2) = ColumnTransform(m, planeStride, 2);
                        var (top3, bottom3) = ColumnTransform(m, planeStride, 3);
                        var y00 = top0 + top1 + top2;
                        var y01 = top1 - top2 - top3;
                        var y10 = bottom0 + bottom1 + bottom2;
                        var y11 = bottom1 - bottom2 - bottom3;
                        Avx512F.PermuteVar16x32x2(y00, interleaveLow, y01).Store(evenRow + 2 * j);
                        Avx512F.PermuteVar16x32x2(y00, interleaveHigh, y01).Store(evenRow + 2 * j + Lanes);
                        Avx512F.PermuteVar16x32x2(y10, interleaveLow, y11).Store(oddRow + 2 * j);
                        Avx512F.PermuteVar16x32x2(y10, interleaveHigh, y11).Store(oddRow + 2 * j + Lanes);
                    }
                    var outRow = 2 * (unit.FirstBlockRow + i);
                    StoreRow<TActivation>(evenRow, plane + (long)outRow * outWidth, outWidth, bias);
                    if (outRow + 1 < outHeight)
                    {
                        StoreRow<TActivation>(oddRow, plane + (outRow + 1L) * outWidth, outWidth, bias);
                    }
                }
            }
        }
    }

    /// <summary>A^T over the four rows of column b: (m0 + m1 + m2, m1 - m2 - m3).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector512<float> Top, Vector512<float> Bottom) ColumnTransform(float* m, long planeStride, int b)
    {
        var m0 = Vector512.Load(m + b * planeStride);
        var m1 = Vector512.Load(m + (4 + b) * planeStride);
        var m2 = Vector512.Load(m + (8 + b) * planeStride);
        var m3 = Vector512.Load(m + (12 + b) * planeStride);
        return (m0 + m1 + m2, m1 - m2 - m3);
    }

    /// <summary>target[0, width) = f(row + bias), eight at a time, the last eight moved back to end with the row.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRow<TActivation>(float* row, float* target, int width, float bias) where TActivation : struct, IActivationForward
    {
        const int lanes = 8;
        var biasVector = Vector256.Create(bias);
        if (width < lanes)
        {
            for (var x = 0; x < width; x++)
            {
                target[x] = TActivation.Forward(row[x] + bias);
            }
            return;
        }
        var last = width - lanes;
        for (var x = 0; x < last; x += lanes)
        {
            TActivation.Forward(Vector256.Load(row + x) + biasVector).Store(target + x);
        }
        TActivation.Forward(Vector256.Load(row + last) + biasVector).Store(target + last);
    }

    private readonly struct TransformOutputWith(WinogradGeometry product, float* products, Unit unit, float* rowBias, float* output,
        float* rows) : IActivationUse
    {
        public void Run<TActivation>() where TActivation : struct, IActivationFunction =>
            TransformOutput<TActivation>(product, products, unit, rowBias, output, rows);
    }
}

/// <summary>
/// One F(2x2, 3x3) product: <paramref name="InChannels"/> planes of <paramref name="Height"/> x <paramref name="Width"/>,
/// bordered by <paramref name="Pad"/> zeros, into <paramref name="OutChannels"/> planes, computed in units of
/// <paramref name="GroupRows"/> block rows of one image, or of up to <paramref name="Images"/> whole images where an image
/// has few blocks.
/// </summary>
internal readonly record struct WinogradGeometry(int InChannels, int Height, int Width, int Pad, int OutChannels, int Images, int GroupRows)
{
    /// <summary>
    /// Units sized so that their transformed input and products (16 x channels x blocks each) stay near a few hundred
    /// kilobytes, inside a core's L2 cache with the weights, and fill the 32-wide tiles with little left over.
    /// </summary>
    public static WinogradGeometry Of(int inChannels, int height, int width, int pad, int outChannels)
    {
        var (blockRows, blockColumns) = ((height + 2 * pad - 1) / 2, (width + 2 * pad - 1) / 2);
        var blocks = blockRows * blockColumns;
        var target = Math.Clamp(UnitFloats / (inChannels + outChannels), 32, 128);
        if (blocks <= target)
        {
            // Whole images: as many as fill the tiles best (the last unit of a thread may hold fewer).
            var (images, imagesUse) = (1, 0.0);
            for (var count = 1; count <= Math.Max(1, target / blocks); count++)
            {
                var use = (double)count * blocks / Tiled(count * blocks);
                if (use >= imagesUse - 1e-9)
                {
                    (images, imagesUse) = (count, use);
                }
            }
            return new WinogradGeometry(inChannels, height, width, pad, outChannels, images, blockRows);
        }
        // Groups of block rows of one image: the group size whose groups, the last one short, fill their tiles best (the
        // larger on a tie: fewer, fuller units).
        var (rows, rowsUse) = (1, 0.0);
        for (var count = 1; count <= Math.Min(blockRows, Math.Max(1, target / blockColumns)); count++)
        {
            var computed = blockRows / count * Tiled(count * blockColumns) + Tiled(blockRows % count * blockColumns);
            var use = (double)blocks / computed;
            if (use >= rowsUse - 1e-9)
            {
                (rows, rowsUse) = (count, use);
            }
        }
        return new WinogradGeometry(inChannels, height, width, pad, outChannels, 1, rows);
    }

    // A unit's V and M hold 16 x (in + out channels) x its blocks (and a tile's rounding): blocks up to this over the
    // channels keep them near 700 KiB, inside a 1 MiB L2 with the bordered input. Measured on Zen 5 (batch 64 and 128):
    // units of 120 blocks over 96 channels ran 20% slower than units of 96.
    private const int UnitFloats = 11000;

    /// <summary>Columns computed for this many: whole 32-wide tiles.</summary>
    private static int Tiled(int columns) => (columns + 31) / 32 * 32;

    public int OutHeight => Height + 2 * Pad - 2;

    public int OutWidth => Width + 2 * Pad - 2;

    /// <summary>2x2 output blocks down an image (the last may overhang an odd output height).</summary>
    public int BlockRows => (OutHeight + 1) / 2;

    public int BlockColumns => (OutWidth + 1) / 2;

    /// <summary>Blocks of one image in a unit: GroupRows block rows.</summary>
    public int GroupBlocks => GroupRows * BlockColumns;

    /// <summary>Output channels rounded up to whole 8-row tiles.</summary>
    public int PaddedOutChannels => (OutChannels + ShiftedRowsConvolution.TileRows - 1) / ShiftedRowsConvolution.TileRows
        * ShiftedRowsConvolution.TileRows;

    /// <summary>
    /// Floats per half of a bordered row (its even or its odd columns): a block row's vectors read 16 blocks and one past
    /// them, from every multiple of 16 below BlockColumns.
    /// </summary>
    public int HalfPitch => (BlockColumns + 15) / 16 * 16 + 4;

    public int RowPitch => 2 * HalfPitch;

    /// <summary>Bordered rows of a unit: its blocks' four each, 2 x GroupRows + 2.</summary>
    public int BorderedHeight => 2 * GroupRows + 2;

    public long BorderedPlaneLength => (long)BorderedHeight * RowPitch;

    public long BorderedImageLength => InChannels * BorderedPlaneLength;

    public long BorderedLength => Images * BorderedImageLength;

    /// <summary>
    /// Floats per row of a V or M plane: a unit's blocks rounded up to whole tiles, and a vector more for the transforms'
    /// last 16 blocks of a block row.
    /// </summary>
    public int ColumnPitch => (Images * GroupBlocks + 31) / 32 * 32 + 16;

    /// <summary>
    /// Floats from one position's V plane to the next: its rows and a cache line more, so that the transforms' sixteen
    /// loads or stores of a block vector, one per plane, do not all fall in one L1 set (planes a multiple of 4 KiB apart
    /// would, and the input transform ran at a fifth of its speed).
    /// </summary>
    public long TransformedPlane => (long)InChannels * ColumnPitch + 16;

    /// <summary>Floats from one position's M plane to the next, skewed as <see cref="TransformedPlane"/>.</summary>
    public long ProductPlane => (long)PaddedOutChannels * ColumnPitch + 16;

    public long TransformedLength => WinogradConvolution.Positions * TransformedPlane;

    public long ProductLength => WinogradConvolution.Positions * ProductPlane;

    /// <summary>Floats of one interleaved output row, whole vectors of blocks.</summary>
    public int OutputRowLength => 2 * ((BlockColumns + 15) / 16 * 16);

    /// <summary>Everything one thread's unit needs: bordered input, V, M, and two output rows.</summary>
    public long ScratchLength => BorderedLength + TransformedLength + ProductLength + 2L * OutputRowLength;

    public long PackedWeightLength => (long)WinogradConvolution.Positions * PaddedOutChannels * InChannels;
}
