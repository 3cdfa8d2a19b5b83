using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

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
                        new Span<float>(destination, first).Clear();
                        var source = plane + (long)h * width - padding + s;
                        if (stride == 1)
                        {
                            new ReadOnlySpan<float>(source + first, end - first).CopyTo(new Span<float>(destination + first, end - first));
                        }
                        else
                        {
                            for (var q = first; q < end; q++)
                            {
                                destination[q] = source[q * stride];
                            }
                        }
                        new Span<float>(destination + end, outWidth - end).Clear();
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

    /// <summary>destination[i] += source[i] for i in [0, count).</summary>
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
