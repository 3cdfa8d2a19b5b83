using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Descent.Kernels.Cpu;

/// <summary>
/// A convolution of one input channel at stride 1 (the first layer of an MNIST net), computed directly rather than as
/// a GEMM: with C = 1 the GEMM's inner size is only R x S (9), so the lowering, packing and tile stores around each
/// nine-step micro-kernel call cost more than the multiply-adds. Here eight outputs of a row are summed in a vector,
/// tap by tap in (r, s) order from zero, as the GEMM sums them, so the forward gives the GEMM's bits. Padding is
/// applied by copying the image into a zero-bordered plane first (in the caller's column scratch, which is larger),
/// so a tap in the padding multiplies a zero exactly as the lowered matrix's zero does.
/// </summary>
internal static unsafe class SingleChannelConvolution
{
    /// <summary>Whether <paramref name="shape"/> takes this path: one input channel, stride 1, a row of at least one vector.</summary>
    public static bool Applies(in Conv2dShape shape) =>
        shape is { InChannels: 1, Stride: 1 } && shape.OutWidth >= Vector256<float>.Count && !Im2Col.IsIdentity(shape);

    /// <summary>Floats of the zero-bordered plane: never more than the image's column matrix, which holds it.</summary>
    public static long PaddedLength(in Conv2dShape shape) =>
        (long)(shape.Height + 2 * shape.Padding) * (shape.Width + 2 * shape.Padding);

    /// <summary>The image as the taps read it: itself without padding, else copied into <paramref name="scratch"/> with a zero border.</summary>
    public static float* Padded(in Conv2dShape shape, float* image, float* scratch)
    {
        var pad = shape.Padding;
        if (pad == 0)
        {
            return image;
        }
        var paddedWidth = shape.Width + 2 * pad;
        new Span<float>(scratch, (int)PaddedLength(shape)).Clear();
        for (var h = 0; h < shape.Height; h++)
        {
            new ReadOnlySpan<float>(image + (long)h * shape.Width, shape.Width).CopyTo(
                new Span<float>(scratch + (long)(h + pad) * paddedWidth + pad, shape.Width));
        }
        return scratch;
    }

    /// <summary>y[k, p, q] = f(sum over r, s of w[k, r, s] * plane[p + r, q + s] + bias[k]) for one image, every k.</summary>
    public static void Forward(in Conv2dShape shape, float* plane, float* weight, float* bias, float* y, Activation? activation)
    {
        if (activation is { } function)
        {
            ActivationFunctions.Select(function, new ForwardWith(shape, plane, weight, bias, y));
        }
        else
        {
            Forward<Identity>(shape, plane, weight, bias, y);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Forward<TActivation>(in Conv2dShape shape, float* plane, float* weight, float* bias, float* y)
        where TActivation : struct, IActivationForward
    {
        var (taps, kernelWidth) = (shape.KernelHeight * shape.KernelWidth, shape.KernelWidth);
        var (outHeight, outWidth, width) = (shape.OutHeight, shape.OutWidth, shape.Width + 2 * shape.Padding);
        var lanes = Vector256<float>.Count;
        var tapOffsets = stackalloc int[taps];
        for (var tap = 0; tap < taps; tap++)
        {
            tapOffsets[tap] = tap / kernelWidth * width + tap % kernelWidth;
        }
        for (var k = 0; k < shape.OutChannels; k++)
        {
            var w = weight + (long)k * taps;
            var hasBias = bias != null;
            var b = Vector256.Create(hasBias ? bias[k] : 0f);
            var output = y + (long)k * outHeight * outWidth;
            for (var p = 0; p < outHeight; p++)
            {
                var row = plane + (long)p * width;
                var outRow = output + (long)p * outWidth;
                // The last vector overlaps the one before where the width is not a multiple of 8: it rewrites equal values.
                for (var q = 0; q < outWidth; q = q + lanes < outWidth && q + 2 * lanes > outWidth ? outWidth - lanes : q + lanes)
                {
                    var sum = Vector256<float>.Zero;
                    for (var tap = 0; tap < taps; tap++)
                    {
                        sum = Vector256.FusedMultiplyAdd(Vector256.Create(w[tap]), Vector256.Load(row + q + tapOffsets[tap]), sum);
                    }
                    if (hasBias)
                    {
                        sum += b;
                    }
                    TActivation.Forward(sum).Store(outRow + q);
                }
            }
        }
    }

    /// <summary>
    /// dW[k, r, s] (+)= sum over p, q of dY[k, p, q] * plane[p + r, q + s] for one image, every k: written when
    /// <paramref name="accumulate"/> is false, else added. Each tap sums eight lanes over the rows, then the lanes, then
    /// the columns left over, always in that order.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void BackwardWeight(in Conv2dShape shape, float* plane, float* dY, float* dWeight, bool accumulate)
    {
        var (taps, kernelWidth) = (shape.KernelHeight * shape.KernelWidth, shape.KernelWidth);
        var (outHeight, outWidth, width) = (shape.OutHeight, shape.OutWidth, shape.Width + 2 * shape.Padding);
        var lanes = Vector256<float>.Count;
        var vectorWidth = outWidth / lanes * lanes;
        var sums = stackalloc Vector256<float>[taps];
        var tails = stackalloc float[taps];
        var tapOffsets = stackalloc int[taps];
        for (var tap = 0; tap < taps; tap++)
        {
            tapOffsets[tap] = tap / kernelWidth * width + tap % kernelWidth;
        }
        for (var k = 0; k < shape.OutChannels; k++)
        {
            var gradient = dY + (long)k * outHeight * outWidth;
            for (var tap = 0; tap < taps; tap++)
            {
                sums[tap] = Vector256<float>.Zero;
                tails[tap] = 0f;
            }
            for (var p = 0; p < outHeight; p++)
            {
                var row = plane + (long)p * width;
                var gradientRow = gradient + (long)p * outWidth;
                for (var q = 0; q < vectorWidth; q += lanes)
                {
                    var g = Vector256.Load(gradientRow + q);
                    for (var tap = 0; tap < taps; tap++)
                    {
                        sums[tap] = Vector256.FusedMultiplyAdd(g, Vector256.Load(row + q + tapOffsets[tap]), sums[tap]);
                    }
                }
                for (var q = vectorWidth; q < outWidth; q++)
                {
                    for (var tap = 0; tap < taps; tap++)
                    {
                        tails[tap] = MathF.FusedMultiplyAdd(gradientRow[q], row[q + tapOffsets[tap]], tails[tap]);
                    }
                }
            }
            var target = dWeight + (long)k * taps;
            for (var tap = 0; tap < taps; tap++)
            {
                var sum = Vector256.Sum(sums[tap]) + tails[tap];
                target[tap] = accumulate ? target[tap] + sum : sum;
            }
        }
    }

    private readonly struct ForwardWith(Conv2dShape shape, float* plane, float* weight, float* bias, float* y) : IActivationUse
    {
        public void Run<TActivation>() where TActivation : struct, IActivationFunction =>
            Forward<TActivation>(shape, plane, weight, bias, y);
    }

    private readonly struct Identity : IActivationForward
    {
        public static float Forward(float x) => x;

        public static Vector256<float> Forward(Vector256<float> x) => x;
    }
}
