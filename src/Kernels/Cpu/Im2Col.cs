using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Descent.Kernels.Cpu;

/// <summary>
/// Lowers one image of a convolution to a matrix product and back. The column matrix of an image
/// (C R S rows, P Q columns) holds in row (c, r, s) and column (p, q) the input value that weight tap
/// (c, r, s) meets at output (p, q): x[c, p*stride - pad + r, q*stride - pad + s], or 0 in the padding.
/// Then y = W (K x CRS) times it, and the input gradient is its transpose's product scattered back.
/// </summary>
internal static unsafe class Im2Col
{
    /// <summary>Whether the column matrix is the image itself (a 1x1 kernel, stride 1, no padding), so no copy is needed.</summary>
    public static bool IsIdentity(in Conv2dShape shape) =>
        shape is { KernelHeight: 1, KernelWidth: 1, Stride: 1, Padding: 0 };

    /// <summary>Floats in one image's column matrix.</summary>
    public static long Length(in Conv2dShape shape) =>
        (long)shape.InChannels * shape.KernelHeight * shape.KernelWidth * shape.OutHeight * shape.OutWidth;

    /// <summary>columns (CRS x PQ) = the column matrix of <paramref name="image"/> (C x H x W).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Lower(in Conv2dShape shape, float* image, float* columns)
    {
        var (outHeight, outWidth) = (shape.OutHeight, shape.OutWidth);
        var (height, width, stride, padding) = (shape.Height, shape.Width, shape.Stride, shape.Padding);
        var row = columns;
        for (var c = 0; c < shape.InChannels; c++)
        {
            var plane = image + (long)c * height * width;
            for (var r = 0; r < shape.KernelHeight; r++)
            {
                for (var s = 0; s < shape.KernelWidth; s++)
                {
                    var (first, end) = ValidColumns(s, outWidth, width, stride, padding);
                    for (var p = 0; p < outHeight; p++)
                    {
                        var destination = row + (long)p * outWidth;
                        var h = p * stride - padding + r;
                        if (h < 0 || h >= height)
                        {
                            new Span<float>(destination, outWidth).Clear();
                            continue;
                        }
                        if (first > 0)
                        {
                            new Span<float>(destination, first).Clear();
                        }
                        var source = plane + (long)h * width - padding + s;
                        if (stride == 1)
                        {
                            Copy(source + first, destination + first, end - first);
                        }
                        else
                        {
                            for (var q = first; q < end; q++)
                            {
                                destination[q] = source[q * stride];
                            }
                        }
                        if (end < outWidth)
                        {
                            new Span<float>(destination + end, outWidth - end).Clear();
                        }
                    }
                    row += (long)outHeight * outWidth;
                }
            }
        }
    }

    /// <summary>
    /// image (C x H x W) = the column matrix <paramref name="columns"/> (CRS x PQ) scattered back: each
    /// input element the sum of the entries that copied it, added in row order, so the result is the same
    /// on every run.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Raise(in Conv2dShape shape, float* columns, float* image)
    {
        var (outHeight, outWidth) = (shape.OutHeight, shape.OutWidth);
        var (height, width, stride, padding) = (shape.Height, shape.Width, shape.Stride, shape.Padding);
        new Span<float>(image, shape.InChannels * height * width).Clear();
        var row = columns;
        for (var c = 0; c < shape.InChannels; c++)
        {
            var plane = image + (long)c * height * width;
            for (var r = 0; r < shape.KernelHeight; r++)
            {
                for (var s = 0; s < shape.KernelWidth; s++)
                {
                    var (first, end) = ValidColumns(s, outWidth, width, stride, padding);
                    for (var p = 0; p < outHeight; p++)
                    {
                        var h = p * stride - padding + r;
                        if (h < 0 || h >= height)
                        {
                            continue;
                        }
                        var source = row + (long)p * outWidth;
                        var destination = plane + (long)h * width - padding + s;
                        if (stride == 1)
                        {
                            Add(source + first, destination + first, end - first);
                        }
                        else if (stride == 2)
                        {
                            AddToEvenColumns(source, destination, first, end);
                        }
                        else
                        {
                            for (var q = first; q < end; q++)
                            {
                                destination[q * stride] += source[q];
                            }
                        }
                    }
                    row += (long)outHeight * outWidth;
                }
            }
        }
    }

    /// <summary>The output columns [first, end) whose tap s reads inside the input's width.</summary>
    private static (int First, int End) ValidColumns(int s, int outWidth, int width, int stride, int padding)
    {
        // q * stride - padding + s >= 0 and < width.
        var first = Math.Min(outWidth, Math.Max(0, (padding - s + stride - 1) / stride));
        var end = Math.Max(first, Math.Min(outWidth, (width + padding - s + stride - 1) / stride));
        return (first, end);
    }

    /// <summary>
    /// destination[i] = source[i] for i in [0, count): a run as long as an output row (tens of floats),
    /// where a call to a general memory copy costs more than the copy.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Copy(float* source, float* destination, int count)
    {
        var i = 0;
        for (; i + Vector256<float>.Count <= count; i += Vector256<float>.Count)
        {
            Vector256.Load(source + i).Store(destination + i);
        }
        for (; i < count; i++)
        {
            destination[i] = source[i];
        }
    }

    /// <summary>
    /// destination[2q] += source[q] for q in [first, end): eight (or four) at a time, each spread to the even lanes of a vector
    /// whose odd lanes add zero (an element's sum is never -0 here, so adding +0 leaves its bits as they were). The vector
    /// loop stops while a q is left after it, so its last odd lane is still inside the row.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AddToEvenColumns(float* source, float* destination, int first, int end)
    {
        var q = first;
        if (Avx512F.IsSupported)
        {
            var spread = Vector512.Create(0, 16, 1, 16, 2, 16, 3, 16, 4, 16, 5, 16, 6, 16, 7, 16);
            for (; q + Vector256<float>.Count < end; q += Vector256<float>.Count)
            {
                var values = Avx512F.PermuteVar16x32x2(Vector256.Load(source + q).ToVector512Unsafe(), spread, Vector512<float>.Zero);
                (Vector512.Load(destination + 2 * q) + values).Store(destination + 2 * q);
            }
        }
        if (Avx2.IsSupported)
        {
            // Four at a time (a ResNet's 7-wide stride-2 outputs), from a vector whose upper half is zero.
            var spread = Vector256.Create(0, 4, 1, 4, 2, 4, 3, 4);
            for (; q + Vector128<float>.Count < end; q += Vector128<float>.Count)
            {
                var values = Avx2.PermuteVar8x32(Vector128.Load(source + q).ToVector256(), spread);
                (Vector256.Load(destination + 2 * q) + values).Store(destination + 2 * q);
            }
        }
        for (; q < end; q++)
        {
            destination[2 * q] += source[q];
        }
    }

    /// <summary>destination[i] += source[i] for i in [0, count).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Add(float* source, float* destination, int count)
    {
        var i = 0;
        for (; i + Vector256<float>.Count <= count; i += Vector256<float>.Count)
        {
            (Vector256.Load(destination + i) + Vector256.Load(source + i)).Store(destination + i);
        }
        for (; i < count; i++)
        {
            destination[i] += source[i];
        }
    }
}
