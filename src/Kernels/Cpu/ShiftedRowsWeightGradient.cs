using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using Descent.Kernels.Cpu.Gemm;

namespace Descent.Kernels.Cpu;

/// <summary>
/// A stride-1 convolution's weight gradient over the zero-bordered planes of <see cref="ShiftedRowsConvolution"/>, with
/// no column matrix: dW[k][c, r, s] = the sum over outputs (p, q) of dY[k][p, q] * padded[c][(p + r) * PaddedWidth + q + s]
/// (at stride 2 read from the planes' phases, as the forward reads them).
/// <para>
/// The product is taken transposed, so that its long sum (over outputs) runs through registers and never through a
/// horizontal add: a tile is 8 taps by 16 or 32 output channels, the taps broadcast from their shifted rows, the channels
/// loaded as vectors from the image's output gradient transposed to position-major (<see cref="Transpose"/>). Each tile
/// is added into a partial of its own chunk of images (taps x <see cref="ChannelColumns"/>, in taps order), image after
/// image, position after position, so the bits depend on the chunking alone; <see cref="SumChunks"/> adds the chunks in
/// order and transposes back.
/// </para>
/// </summary>
internal static unsafe class ShiftedRowsWeightGradient
{
    /// <summary>Taps per tile.</summary>
    public const int TileTaps = 8;

    /// <summary>The output gradient's channels padded to the tile: one vector up to 16 channels, else pairs of vectors.</summary>
    public static int ChannelColumns(int outChannels) => outChannels <= 16 ? 16 : (outChannels + 31) / 32 * 32;

    /// <summary>Taps rounded up to whole tiles; the rows past the last tap are computed from it and never read.</summary>
    public static int PackedTaps(in ShiftedRowsGeometry geometry) => (geometry.Taps + TileTaps - 1) / TileTaps * TileTaps;

    /// <summary>Floats of one chunk's partial.</summary>
    public static long PartialLength(in ShiftedRowsGeometry geometry) =>
        (long)PackedTaps(geometry) * ChannelColumns(geometry.OutChannels);

    /// <summary>Floats of one image's transposed output gradient.</summary>
    public static long TransposedLength(in ShiftedRowsGeometry geometry) =>
        (long)geometry.OutHeight * geometry.OutWidth * ChannelColumns(geometry.OutChannels);

    /// <summary>
    /// transposed[position][k] = dY[k][position], channels past the last zero: eight positions by eight channels at a time
    /// through a register transpose, the edges one value at a time.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Transpose(float* dY, in ShiftedRowsGeometry geometry, float* transposed)
    {
        var positions = geometry.OutHeight * geometry.OutWidth;
        var channels = geometry.OutChannels;
        var columns = ChannelColumns(channels);
        var (wholePositions, wholeChannels) = (positions / 8 * 8, channels / 8 * 8);
        for (var i = 0; i < wholePositions; i += 8)
        {
            for (var k = 0; k < wholeChannels; k += 8)
            {
                GemmPacking.Transpose8x8(dY + (long)k * positions + i, positions, transposed + (long)i * columns + k, columns);
            }
        }
        for (var i = 0; i < positions; i++)
        {
            var target = transposed + (long)i * columns;
            for (var k = i < wholePositions ? wholeChannels : 0; k < channels; k++)
            {
                target[k] = dY[(long)k * positions + i];
            }
            for (var k = channels; k < columns; k++)
            {
                target[k] = 0f;
            }
        }
    }

    /// <summary>
    /// partial (PackedTaps x ChannelColumns) += the image's product, <paramref name="offsets"/> holding PackedTaps entries.
    /// <paramref name="nextInput"/> and <paramref name="nextGradient"/>, the next image's, are prefetched a share per block of
    /// rows (alone on ResNet-20's shapes at batch 128, inputs out of cache: 16x28x28 1.70 -> 1.63-1.69 ms, 32x14x14 1.30 ->
    /// 1.21-1.25, the stride-2 16->32 1.05 -> 0.93-0.98).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Accumulate(in ShiftedRowsGeometry geometry, int* offsets, float* padded, float* transposed, float* partial,
        CachePrefetch.Range nextInput, CachePrefetch.Range nextGradient)
    {
        var columns = ChannelColumns(geometry.OutChannels);
        var packedTaps = PackedTaps(geometry);
        var (outHeight, outWidth, rowPitch) = (geometry.OutHeight, geometry.OutWidth, geometry.RowPitch);
        // Rows of outputs whose gradient (outWidth x columns floats) fits in 16 KiB: swept by every tile while in L1.
        var rowsPerBlock = Math.Max(1, 16384 / (outWidth * columns * sizeof(float)));
        for (var firstRow = 0; firstRow < outHeight; firstRow += rowsPerBlock)
        {
            var lastRow = Math.Min(firstRow + rowsPerBlock, outHeight);
            var (block, blocks) = (firstRow / rowsPerBlock, (outHeight + rowsPerBlock - 1) / rowsPerBlock);
            nextInput.Part(block, blocks);
            nextGradient.Part(block, blocks);
            for (var tap = 0; tap < packedTaps; tap += TileTaps)
            {
                for (var k = 0; k < columns; k += 32)
                {
                    var tile = partial + (long)tap * columns + k;
                    var gradient = transposed + (long)firstRow * outWidth * columns + k;
                    if (columns == 16)
                    {
                        Tile8x16(offsets + tap, padded, gradient, firstRow, lastRow, outWidth, rowPitch, columns, tile);
                    }
                    else
                    {
                        Tile8x32(offsets + tap, padded, gradient, firstRow, lastRow, outWidth, rowPitch, columns, tile);
                    }
                }
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tile8x32(int* offsets, float* padded, float* gradient, int firstRow, int lastRow, int outWidth, int rowPitch,
        int columns, float* tile)
    {
        float* x0 = padded + offsets[0], x1 = padded + offsets[1], x2 = padded + offsets[2], x3 = padded + offsets[3];
        float* x4 = padded + offsets[4], x5 = padded + offsets[5], x6 = padded + offsets[6], x7 = padded + offsets[7];
        var c00 = Vector512.Load(tile); var c01 = Vector512.Load(tile + 16);
        var c10 = Vector512.Load(tile + columns); var c11 = Vector512.Load(tile + columns + 16);
        var c20 = Vector512.Load(tile + 2 * columns); var c21 = Vector512.Load(tile + 2 * columns + 16);
        var c30 = Vector512.Load(tile + 3 * columns); var c31 = Vector512.Load(tile + 3 * columns + 16);
        var c40 = Vector512.Load(tile + 4 * columns); var c41 = Vector512.Load(tile + 4 * columns + 16);
        var c50 = Vector512.Load(tile + 5 * columns); var c51 = Vector512.Load(tile + 5 * columns + 16);
        var c60 = Vector512.Load(tile + 6 * columns); var c61 = Vector512.Load(tile + 6 * columns + 16);
        var c70 = Vector512.Load(tile + 7 * columns); var c71 = Vector512.Load(tile + 7 * columns + 16);
        for (var p = firstRow; p < lastRow; p++)
        {
            var rowStart = p * rowPitch;
            for (var j = rowStart; j < rowStart + outWidth; j++)
            {
                var g0 = Vector512.Load(gradient);
                var g1 = Vector512.Load(gradient + 16);
                var x = Vector512.Create(x0[j]);
                c00 = Vector512.FusedMultiplyAdd(x, g0, c00); c01 = Vector512.FusedMultiplyAdd(x, g1, c01);
                x = Vector512.Create(x1[j]);
                c10 = Vector512.FusedMultiplyAdd(x, g0, c10); c11 = Vector512.FusedMultiplyAdd(x, g1, c11);
                x = Vector512.Create(x2[j]);
                c20 = Vector512.FusedMultiplyAdd(x, g0, c20); c21 = Vector512.FusedMultiplyAdd(x, g1, c21);
                x = Vector512.Create(x3[j]);
                c30 = Vector512.FusedMultiplyAdd(x, g0, c30); c31 = Vector512.FusedMultiplyAdd(x, g1, c31);
                x = Vector512.Create(x4[j]);
                c40 = Vector512.FusedMultiplyAdd(x, g0, c40); c41 = Vector512.FusedMultiplyAdd(x, g1, c41);
                x = Vector512.Create(x5[j]);
                c50 = Vector512.FusedMultiplyAdd(x, g0, c50); c51 = Vector512.FusedMultiplyAdd(x, g1, c51);
                x = Vector512.Create(x6[j]);
                c60 = Vector512.FusedMultiplyAdd(x, g0, c60); c61 = Vector512.FusedMultiplyAdd(x, g1, c61);
                x = Vector512.Create(x7[j]);
                c70 = Vector512.FusedMultiplyAdd(x, g0, c70); c71 = Vector512.FusedMultiplyAdd(x, g1, c71);
                gradient += columns;
            }
        }
        c00.Store(tile); c01.Store(tile + 16);
        c10.Store(tile + columns); c11.Store(tile + columns + 16);
        c20.Store(tile + 2 * columns); c21.Store(tile + 2 * columns + 16);
        c30.Store(tile + 3 * columns); c31.Store(tile + 3 * columns + 16);
        c40.Store(tile + 4 * columns); c41.Store(tile + 4 * columns + 16);
        c50.Store(tile + 5 * columns); c51.Store(tile + 5 * columns + 16);
        c60.Store(tile + 6 * columns); c61.Store(tile + 6 * columns + 16);
        c70.Store(tile + 7 * columns); c71.Store(tile + 7 * columns + 16);
    }

    /// <summary>
    /// Eight taps by one vector of channels, two outputs of a row at a time into two sets of sums (even and odd steps),
    /// added at the end: sixteen independent chains, as many as the 8 x 32 tile keeps the multiply-add pipes busy with.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tile8x16(int* offsets, float* padded, float* gradient, int firstRow, int lastRow, int outWidth, int rowPitch,
        int columns, float* tile)
    {
        float* x0 = padded + offsets[0], x1 = padded + offsets[1], x2 = padded + offsets[2], x3 = padded + offsets[3];
        float* x4 = padded + offsets[4], x5 = padded + offsets[5], x6 = padded + offsets[6], x7 = padded + offsets[7];
        var c0 = Vector512.Load(tile);
        var c1 = Vector512.Load(tile + columns);
        var c2 = Vector512.Load(tile + 2 * columns);
        var c3 = Vector512.Load(tile + 3 * columns);
        var c4 = Vector512.Load(tile + 4 * columns);
        var c5 = Vector512.Load(tile + 5 * columns);
        var c6 = Vector512.Load(tile + 6 * columns);
        var c7 = Vector512.Load(tile + 7 * columns);
        var d0 = Vector512<float>.Zero; var d1 = d0; var d2 = d0; var d3 = d0; var d4 = d0; var d5 = d0; var d6 = d0; var d7 = d0;
        for (var p = firstRow; p < lastRow; p++)
        {
            var rowStart = p * rowPitch;
            var rowEnd = rowStart + outWidth;
            var j = rowStart;
            for (; j + 1 < rowEnd; j += 2)
            {
                var g = Vector512.Load(gradient);
                var h = Vector512.Load(gradient + 16);
                c0 = Vector512.FusedMultiplyAdd(Vector512.Create(x0[j]), g, c0); d0 = Vector512.FusedMultiplyAdd(Vector512.Create(x0[j + 1]), h, d0);
                c1 = Vector512.FusedMultiplyAdd(Vector512.Create(x1[j]), g, c1); d1 = Vector512.FusedMultiplyAdd(Vector512.Create(x1[j + 1]), h, d1);
                c2 = Vector512.FusedMultiplyAdd(Vector512.Create(x2[j]), g, c2); d2 = Vector512.FusedMultiplyAdd(Vector512.Create(x2[j + 1]), h, d2);
                c3 = Vector512.FusedMultiplyAdd(Vector512.Create(x3[j]), g, c3); d3 = Vector512.FusedMultiplyAdd(Vector512.Create(x3[j + 1]), h, d3);
                c4 = Vector512.FusedMultiplyAdd(Vector512.Create(x4[j]), g, c4); d4 = Vector512.FusedMultiplyAdd(Vector512.Create(x4[j + 1]), h, d4);
                c5 = Vector512.FusedMultiplyAdd(Vector512.Create(x5[j]), g, c5); d5 = Vector512.FusedMultiplyAdd(Vector512.Create(x5[j + 1]), h, d5);
                c6 = Vector512.FusedMultiplyAdd(Vector512.Create(x6[j]), g, c6); d6 = Vector512.FusedMultiplyAdd(Vector512.Create(x6[j + 1]), h, d6);
                c7 = Vector512.FusedMultiplyAdd(Vector512.Create(x7[j]), g, c7); d7 = Vector512.FusedMultiplyAdd(Vector512.Create(x7[j + 1]), h, d7);
                gradient += 2 * columns;
            }
            if (j < rowEnd)
            {
                var g = Vector512.Load(gradient);
                c0 = Vector512.FusedMultiplyAdd(Vector512.Create(x0[j]), g, c0);
                c1 = Vector512.FusedMultiplyAdd(Vector512.Create(x1[j]), g, c1);
                c2 = Vector512.FusedMultiplyAdd(Vector512.Create(x2[j]), g, c2);
                c3 = Vector512.FusedMultiplyAdd(Vector512.Create(x3[j]), g, c3);
                c4 = Vector512.FusedMultiplyAdd(Vector512.Create(x4[j]), g, c4);
                c5 = Vector512.FusedMultiplyAdd(Vector512.Create(x5[j]), g, c5);
                c6 = Vector512.FusedMultiplyAdd(Vector512.Create(x6[j]), g, c6);
                c7 = Vector512.FusedMultiplyAdd(Vector512.Create(x7[j]), g, c7);
                gradient += columns;
            }
        }
        (c0 + d0).Store(tile);
        (c1 + d1).Store(tile + columns);
        (c2 + d2).Store(tile + 2 * columns);
        (c3 + d3).Store(tile + 3 * columns);
        (c4 + d4).Store(tile + 4 * columns);
        (c5 + d5).Store(tile + 5 * columns);
        (c6 + d6).Store(tile + 6 * columns);
        (c7 + d7).Store(tile + 7 * columns);
    }

    /// <summary>The offsets of <see cref="ShiftedRowsConvolution.TapOffsets"/>, the last repeated to fill the last tile.</summary>
    public static void TapOffsets(in ShiftedRowsGeometry geometry, int* offsets)
    {
        ShiftedRowsConvolution.TapOffsets(geometry, offsets);
        for (var tap = geometry.Taps; tap < PackedTaps(geometry); tap++)
        {
            offsets[tap] = offsets[geometry.Taps - 1];
        }
    }

    /// <summary>
    /// dW[k][tap] for k in [start, end) = the chunks' partials [tap][k] summed in chunk order: sixteen output channels of a
    /// tap at a time (contiguous in a partial), each sum the scalar's in the same order, then stored to their rows.
    /// </summary>
    public readonly struct SumChunks(float* partials, int chunks, long partialLength, int taps, int columns, float* weightGradient)
        : IRangeKernel
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Execute(int start, int end)
        {
            var sums = stackalloc float[Vector512<float>.Count];
            for (var tap = 0; tap < taps; tap++)
            {
                var k = start;
                if (Vector512.IsHardwareAccelerated)
                {
                    for (; k + Vector512<float>.Count <= end; k += Vector512<float>.Count)
                    {
                        var index = (long)tap * columns + k;
                        var sum = Vector512.Load(partials + index);
                        for (var chunk = 1; chunk < chunks; chunk++)
                        {
                            sum += Vector512.Load(partials + chunk * partialLength + index);
                        }
                        sum.Store(sums);
                        for (var lane = 0; lane < Vector512<float>.Count; lane++)
                        {
                            weightGradient[(long)(k + lane) * taps + tap] = sums[lane];
                        }
                    }
                }
                for (; k < end; k++)
                {
                    var index = (long)tap * columns + k;
                    var sum = partials[index];
                    for (var chunk = 1; chunk < chunks; chunk++)
                    {
                        sum += partials[chunk * partialLength + index];
                    }
                    weightGradient[(long)k * taps + tap] = sum;
                }
            }
        }
    }
}
