using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Descent.Kernels.Cpu.Gemm;

namespace Descent.Kernels.Cpu;

/// <summary>
/// A convolution of one image as a GEMM that reads the image in place, with no column matrix (stride 1 here; stride 2
/// through the planes' phases, <see cref="ShiftedRowsGeometry.Stride"/>).
/// <para>
/// The image is copied once into a zero-bordered plane per channel, <see cref="ShiftedRowsGeometry.PaddedWidth"/>
/// wide. Outputs are then numbered on that wide grid, j = p * PaddedWidth + q, and the value weight tap (c, r, s)
/// meets at output j is padded[c][j + r * PaddedWidth + s]: for every tap, the outputs in order read the plane in
/// order, from an offset of the tap's own. So row (c, r, s) of the column matrix is the plane itself, shifted, and the
/// micro-kernel loads its vectors straight from there. The price is the PaddedWidth - OutWidth columns of each output
/// row that fall past the row's end: computed and never stored (7% of a 28-wide ResNet stage, 29% of a 7-wide one).
/// </para>
/// <para>
/// The same product serves the input gradient: at stride 1 it is the convolution of the output gradient, bordered by
/// kernel - 1 - padding, with the kernel turned half a circle and its two channel axes swapped
/// (<see cref="PackFlippedWeights"/>).
/// </para>
/// <para>
/// Tiles are 8 output channels by 32 wide columns, <see cref="MicroKernel8x32"/> with its B rows read in place, each
/// summed over every tap in (c, r, s) order from zero, so an output's bits depend on nothing but its inputs.
/// </para>
/// </summary>
internal static unsafe class ShiftedRowsConvolution
{
    /// <summary>Output channels per register tile.</summary>
    public const int TileRows = 8;

    /// <summary>Wide output columns per register tile: two AVX-512 vectors.</summary>
    public const int TileColumns = 32;

    /// <summary>Whether the processor runs this path: it is written for AVX-512 alone.</summary>
    public static bool Supported => Vector512.IsHardwareAccelerated;

    /// <summary>The forward product of <paramref name="shape"/> as this path computes it.</summary>
    public static ShiftedRowsGeometry Forward(in Conv2dShape shape) =>
        new(shape.InChannels, shape.Height, shape.Width, shape.Padding, shape.Padding, shape.KernelHeight, shape.KernelWidth,
            shape.OutChannels, shape.Stride);

    /// <summary>The input gradient's product: the output gradient bordered by kernel - 1 - padding, into the input's channels.</summary>
    public static ShiftedRowsGeometry BackwardInput(in Conv2dShape shape) =>
        new(shape.OutChannels, shape.OutHeight, shape.OutWidth, shape.KernelHeight - 1 - shape.Padding,
            shape.KernelWidth - 1 - shape.Padding, shape.KernelHeight, shape.KernelWidth, shape.InChannels);

    /// <summary>
    /// Stride 1 or 2 (the input gradient: 1 only) and a kernel wider than its padding (else the input gradient's border
    /// would be negative). Not a 1x1 kernel: its column matrix is the image (stride 1) or a quarter of it (stride 2), so
    /// lowering costs next to nothing; and one input channel has its own direct kernel.
    /// </summary>
    public static bool Applies(in Conv2dShape shape) =>
        Supported && shape.Stride is 1 or 2 && shape.KernelHeight * shape.KernelWidth > 1
        && shape.Padding < shape.KernelHeight && shape.Padding < shape.KernelWidth && !SingleChannelConvolution.Applies(shape);

    /// <summary>
    /// packed[panel][tap][i] = weight[panel * 8 + i][tap]: each tile's eight rows side by side per tap, so the kernel
    /// reads one contiguous 32-byte run per step; rows past the last output channel are zero.
    /// </summary>
    public static void PackWeights(float* weight, in ShiftedRowsGeometry geometry, float* packed)
    {
        var taps = geometry.Taps;
        for (var row = 0; row < geometry.PackedRows; row++)
        {
            var panel = packed + (long)(row / TileRows) * taps * TileRows + row % TileRows;
            var source = weight + (long)row * taps;
            for (var tap = 0; tap < taps; tap++)
            {
                panel[(long)tap * TileRows] = row < geometry.OutChannels ? source[tap] : 0f;
            }
        }
    }

    /// <summary>
    /// The input gradient's weights packed as <see cref="PackWeights"/> packs a forward kernel: row c, tap (k, r, s) holds
    /// weight[k][c][R - 1 - r][S - 1 - s].
    /// </summary>
    public static void PackFlippedWeights(float* weight, in Conv2dShape shape, in ShiftedRowsGeometry geometry, float* packed)
    {
        // Tap (k, r, s) is k * area + r * S + s, and its flipped position (R - 1 - r) * S + S - 1 - s is area - 1 - (r * S + s):
        // each output channel's kernel is read backwards, with no division per element (this runs on one thread before the
        // product starts, and took 7% of a 64-channel 7x7 input gradient with three divisions an element).
        var kernelArea = shape.KernelHeight * shape.KernelWidth;
        var (taps, channels) = (geometry.Taps, geometry.OutChannels);
        for (var row = 0; row < geometry.PackedRows; row++)
        {
            var panel = packed + (long)(row / TileRows) * taps * TileRows + row % TileRows;
            for (var k = 0; k < shape.OutChannels; k++)
            {
                var kernel = weight + ((long)k * shape.InChannels + row) * kernelArea + kernelArea - 1;
                var target = panel + (long)k * kernelArea * TileRows;
                for (var t = 0; t < kernelArea; t++)
                {
                    target[(long)t * TileRows] = row < channels ? kernel[-t] : 0f;
                }
            }
        }
    }

    /// <summary>
    /// Where each tap's shifted row starts in the prepared planes: in channel c's phase (r mod stride, s mod stride),
    /// r / stride rows and s / stride columns in (at stride 1: plane c, r rows and s columns in).
    /// </summary>
    public static void TapOffsets(in ShiftedRowsGeometry geometry, int* offsets)
    {
        var kernelArea = geometry.KernelHeight * geometry.KernelWidth;
        var stride = geometry.Stride;
        for (var tap = 0; tap < geometry.Taps; tap++)
        {
            var c = tap / kernelArea;
            var r = tap % kernelArea / geometry.KernelWidth;
            var s = tap % geometry.KernelWidth;
            var phase = (long)c * geometry.Phases + r % stride * stride + s % stride;
            offsets[tap] = (int)(phase * geometry.PhasePlane + (long)(r / stride) * geometry.RowPitch + s / stride);
        }
    }

    /// <summary>
    /// <paramref name="padded"/> = the image's channels, each in a plane with a zero border, then zeros to
    /// <see cref="ShiftedRowsGeometry.PaddedLength"/>: the slack the last tile's vectors read past the last plane.
    /// </summary>
    public static void Pad(float* image, in ShiftedRowsGeometry geometry, float* padded)
    {
        var (height, width, paddedWidth) = (geometry.Height, geometry.Width, geometry.PaddedWidth);
        var (top, left) = (geometry.PadHeight, geometry.PadWidth);
        if (geometry.Stride > 1)
        {
            SplitPhases(image, geometry, padded);
            return;
        }
        // Every float of the planes is written once: the border rows and columns as zeros, the image's rows copied a vector
        // at a time (a row of 28 is three vectors and one overlapping the third, not a call to a copy routine per row).
        var plane = geometry.PhasePlane;
        for (var c = 0; c < geometry.InChannels; c++)
        {
            var target = padded + c * plane;
            new Span<float>(target, top * paddedWidth + left).Clear();
            var source = image + (long)c * height * width;
            for (var h = 0; h < height; h++)
            {
                var row = target + (long)(h + top) * paddedWidth + left;
                CopyRow(source + (long)h * width, row, width);
                // The right border of this row and the left border of the next, which lie side by side (past the last row
                // without a bottom border, the next plane's first floats, which it clears itself, or the slack).
                new Span<float>(row + width, 2 * left).Clear();
            }
            var written = (long)(height + top) * paddedWidth + left;
            if (written < plane)
            {
                new Span<float>(target + written, (int)(plane - written)).Clear();
            }
        }
        var planes = geometry.InChannels * plane;
        new Span<float>(padded + planes, (int)(geometry.PaddedLength - planes)).Clear();
    }

    /// <summary>destination[0, count) = source[0, count), 8 floats at a time, the last 8 overlapping where count is not a multiple.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void CopyRow(float* source, float* destination, int count)
    {
        if (count < Vector256<float>.Count)
        {
            for (var i = 0; i < count; i++)
            {
                destination[i] = source[i];
            }
            return;
        }
        var last = count - Vector256<float>.Count;
        for (var i = 0; i < last; i += Vector256<float>.Count)
        {
            Vector256.Load(source + i).Store(destination + i);
        }
        Vector256.Load(source + last).Store(destination + last);
    }

    /// <summary>
    /// At stride 2, the zero-bordered planes split into their four phases: phase (a, b) of channel c holds the bordered
    /// plane's rows a, a + 2, ... and columns b, b + 2, ..., so each tap of a stride-2 kernel reads one phase at stride 1.
    /// </summary>
    private static void SplitPhases(float* image, in ShiftedRowsGeometry geometry, float* padded)
    {
        var (height, width, stride) = (geometry.Height, geometry.Width, geometry.Stride);
        var (pitch, phasePlane) = (geometry.RowPitch, geometry.PhasePlane);
        new Span<float>(padded, (int)geometry.PaddedLength).Clear();
        for (var c = 0; c < geometry.InChannels; c++)
        {
            var phases = padded + (long)c * geometry.Phases * phasePlane;
            for (var h = 0; h < height; h++)
            {
                var row = h + geometry.PadHeight;
                var source = image + ((long)c * height + h) * width;
                var rowStart = phases + (long)(row % stride) * stride * phasePlane + (long)(row / stride) * pitch;
                if (stride == 2)
                {
                    SplitRowInTwo(source, width, rowStart, phasePlane, geometry.PadWidth);
                    continue;
                }
                // Phase b of the row takes the columns whose bordered index is b modulo the stride, one every stride.
                for (var b = 0; b < stride; b++)
                {
                    var first = ((b - geometry.PadWidth) % stride + stride) % stride;
                    var target = rowStart + (long)b * phasePlane + (first + geometry.PadWidth) / stride;
                    for (var w = first; w < width; w += stride)
                    {
                        *target++ = source[w];
                    }
                }
            }
        }
    }

    /// <summary>
    /// One image row into its two column phases at stride 2: bordered column w + padLeft goes to phase (w + padLeft) mod 2
    /// at (w + padLeft) div 2. Sixteen or eight columns at a time are split into their even and odd halves by one
    /// in-register permutation and stored as two runs; the rest one at a time.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void SplitRowInTwo(float* source, int width, float* rowStart, long phasePlane, int padLeft)
    {
        // Even columns (from an even w) and odd ones: their phase and their offset in it, less w / 2.
        var evenTarget = rowStart + (padLeft % 2) * phasePlane + padLeft / 2;
        var oddTarget = rowStart + ((padLeft + 1) % 2) * phasePlane + (padLeft + 1) / 2;
        var w = 0;
        if (Avx512F.IsSupported)
        {
            var evensThenOdds = Vector512.Create(0, 2, 4, 6, 8, 10, 12, 14, 1, 3, 5, 7, 9, 11, 13, 15);
            for (; w + 16 <= width; w += 16)
            {
                var split = Avx512F.PermuteVar16x32(Vector512.Load(source + w), evensThenOdds);
                split.GetLower().Store(evenTarget + w / 2);
                split.GetUpper().Store(oddTarget + w / 2);
            }
        }
        if (Avx2.IsSupported)
        {
            var evensThenOdds = Vector256.Create(0, 2, 4, 6, 1, 3, 5, 7);
            for (; w + 8 <= width; w += 8)
            {
                var split = Avx2.PermuteVar8x32(Vector256.Load(source + w), evensThenOdds);
                split.GetLower().Store(evenTarget + w / 2);
                split.GetUpper().Store(oddTarget + w / 2);
            }
        }
        for (; w + 2 <= width; w += 2)
        {
            evenTarget[w / 2] = source[w];
            oddTarget[w / 2] = source[w + 1];
        }
        if (w < width)
        {
            evenTarget[w / 2] = source[w];
        }
    }

    /// <summary>Floats of the tile buffer <see cref="Multiply"/> takes: a tile, and a vector's overhang past its last row.</summary>
    public const int TileBufferLength = TileRows * TileColumns + 8;

    /// <summary>
    /// y (OutChannels x OutHeight x OutWidth) = f(packed weights x the shifted rows of <paramref name="padded"/> + row bias),
    /// for one image. Wide columns past an output row's end are computed in the tile and left out of the store.
    /// </summary>
    public static void Multiply(in ShiftedRowsGeometry geometry, float* packed, int* offsets, float* padded, float* rowBias,
        Activation? activation, float* y, float* tile)
    {
        if (activation is { } function)
        {
            ActivationFunctions.Select(function, new MultiplyWith(geometry, packed, offsets, padded, rowBias, y, tile));
        }
        else
        {
            Multiply<IdentityActivation>(geometry, packed, offsets, padded, rowBias, y, tile);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Multiply<TActivation>(in ShiftedRowsGeometry geometry, float* packed, int* offsets, float* padded, float* rowBias,
        float* y, float* tile) where TActivation : struct, IActivationForward
    {
        var (wide, rowPitch, outWidth) = (geometry.Wide, geometry.RowPitch, geometry.OutWidth);
        var outPlane = geometry.OutHeight * outWidth;
        var taps = geometry.Taps;
        for (var column = 0; column < wide; column += TileColumns)
        {
            var end = Math.Min(column + TileColumns, wide);
            for (var row = 0; row < geometry.OutChannels; row += TileRows)
            {
                MicroKernel8x32.MultiplyShifted(packed + (long)row * taps, 1, TileRows, padded + column, offsets, taps, tile, TileColumns);
                var rows = Math.Min(TileRows, geometry.OutChannels - row);
                // The tile's columns in runs that lie inside one output row.
                for (var j = column; j < end;)
                {
                    var p = j / rowPitch;
                    var q = j - p * rowPitch;
                    if (q >= outWidth)
                    {
                        j = (p + 1) * rowPitch;
                        continue;
                    }
                    var run = Math.Min(outWidth - q, end - j);
                    StoreRun<TActivation>(tile + (j - column), y + (long)row * outPlane + p * outWidth + q, rows, run,
                        outPlane - (p * outWidth + q), outPlane, rowBias == null ? null : rowBias + row);
                    j += run;
                }
            }
        }
    }

    /// <summary>
    /// Stores <paramref name="run"/> columns of each of the tile's rows (32 apart) to its channel's plane (planeStride apart)
    /// with the row's bias and the activation, a vector at a time. A vector may reach past the run into the plane's next
    /// outputs, which a later run of this image overwrites with their own values; never past the plane's end
    /// (<paramref name="roomInPlane"/> outputs from the run's start), where the last vector moves back to end with the run,
    /// or a run shorter than a vector goes one value at a time.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRun<TActivation>(float* tile, float* destination, int rows, int run, int roomInPlane, int planeStride,
        float* rowBias) where TActivation : struct, IActivationForward
    {
        const int lanes = 8;
        for (var r = 0; r < rows; r++)
        {
            var source = tile + r * TileColumns;
            var target = destination + (long)r * planeStride;
            var bias = rowBias == null ? 0f : rowBias[r];
            var biasVector = Vector256.Create(bias);
            var i = 0;
            for (; i < run && i + lanes <= roomInPlane; i += lanes)
            {
                TActivation.Forward(Vector256.Load(source + i) + biasVector).Store(target + i);
            }
            if (i >= run)
            {
                continue;
            }
            if (run >= lanes)
            {
                i = run - lanes;
                TActivation.Forward(Vector256.Load(source + i) + biasVector).Store(target + i);
                continue;
            }
            for (; i < run; i++)
            {
                target[i] = TActivation.Forward(source[i] + bias);
            }
        }
    }

    private readonly struct MultiplyWith(ShiftedRowsGeometry geometry, float* packed, int* offsets, float* padded, float* rowBias, float* y,
        float* tile) : IActivationUse
    {
        public void Run<TActivation>() where TActivation : struct, IActivationFunction =>
            Multiply<TActivation>(geometry, packed, offsets, padded, rowBias, y, tile);
    }
}

/// <summary>
/// One product of <see cref="ShiftedRowsConvolution"/>: an input of <paramref name="InChannels"/> planes of
/// <paramref name="Height"/> x <paramref name="Width"/>, bordered by <paramref name="PadHeight"/> rows and
/// <paramref name="PadWidth"/> columns of zeros on each side, into <paramref name="OutChannels"/> planes, at
/// <paramref name="Stride"/> 1, or 2 through the bordered planes' four phases (<see cref="Phases"/>).
/// </summary>
internal readonly record struct ShiftedRowsGeometry(
    int InChannels, int Height, int Width, int PadHeight, int PadWidth, int KernelHeight, int KernelWidth, int OutChannels, int Stride = 1)
{
    public int PaddedHeight => Height + 2 * PadHeight;

    public int PaddedWidth => Width + 2 * PadWidth;

        public int OutHeight => (PaddedHeight - KernelHeight) / Stride + 1;

    public int OutWidth => (PaddedWidth - KernelWidth) / Stride + 1;

    /// <summary>Phase planes per channel: stride squared.</summary>
    public int Phases => Stride * Stride;

    /// <summary>Floats per row of a phase plane, and of the wide grid: the bordered width over the stride, rounded up.</summary>
    public int RowPitch => (PaddedWidth + Stride - 1) / Stride;

    /// <summary>Floats per phase plane (at stride 1 the bordered plane itself).</summary>
    public long PhasePlane => (long)((PaddedHeight + Stride - 1) / Stride) * RowPitch;

    /// <summary>Outputs on the wide grid, RowPitch to a row.</summary>
    public int Wide => OutHeight * RowPitch;

    /// <summary>Taps per output: InChannels x KernelHeight x KernelWidth, the GEMM's inner size.</summary>
    public int Taps => InChannels * KernelHeight * KernelWidth;

    /// <summary>Output channels rounded up to whole tiles.</summary>
    public int PackedRows => (OutChannels + ShiftedRowsConvolution.TileRows - 1) / ShiftedRowsConvolution.TileRows
        * ShiftedRowsConvolution.TileRows;

    public long PackedWeightLength => (long)PackedRows * Taps;

    /// <summary>
    /// The phase planes and the zeros after them that the last tile reads: its vectors start at most a phase plane's
    /// rows below the last one past a wide column below Wide, and end a tile later.
    /// </summary>
    public long PaddedLength => (long)InChannels * Phases * PhasePlane + ShiftedRowsConvolution.TileColumns + KernelWidth;
}
