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
            Forward<IdentityActivation>(shape, plane, weight, bias, y);
        }
    }

    /// <summary>
    /// Four output channels and two vectors of a row at once: eight independent sums, so the multiply-adds of one do not
    /// wait for the last one's result. A block past the last channel or vector repeats the last one, writing the same values.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Forward<TActivation>(in Conv2dShape shape, float* plane, float* weight, float* bias, float* y)
        where TActivation : struct, IActivationForward
    {
        var (taps, kernelWidth) = (shape.KernelHeight * shape.KernelWidth, shape.KernelWidth);
        var (outHeight, outWidth, width) = (shape.OutHeight, shape.OutWidth, shape.Width + 2 * shape.Padding);
        var outPlane = (long)outHeight * outWidth;
        var channels = shape.OutChannels;
        var tapOffsets = stackalloc int[taps];
        for (var tap = 0; tap < taps; tap++)
        {
            tapOffsets[tap] = tap / kernelWidth * width + tap % kernelWidth;
        }
        var starts = stackalloc int[outWidth];
        var vectors = VectorStarts(outWidth, starts);
        for (var k = 0; k < channels; k += 4)
        {
            var k1 = Math.Min(k + 1, channels - 1);
            var k2 = Math.Min(k + 2, channels - 1);
            var k3 = Math.Min(k + 3, channels - 1);
            float* w0 = weight + (long)k * taps, w1 = weight + (long)k1 * taps, w2 = weight + (long)k2 * taps, w3 = weight + (long)k3 * taps;
            var hasBias = bias != null;
            Vector256<float> b0 = default, b1 = default, b2 = default, b3 = default;
            if (hasBias)
            {
                (b0, b1, b2, b3) = (Vector256.Create(bias[k]), Vector256.Create(bias[k1]), Vector256.Create(bias[k2]), Vector256.Create(bias[k3]));
            }
            float* y0 = y + k * outPlane, y1 = y + k1 * outPlane, y2 = y + k2 * outPlane, y3 = y + k3 * outPlane;
            for (var p = 0; p < outHeight; p++)
            {
                var row = plane + (long)p * width;
                var outRow = (long)p * outWidth;
                for (var v = 0; v < vectors; v += 2)
                {
                    var qa = starts[v];
                    var qb = starts[Math.Min(v + 1, vectors - 1)];
                    var a0 = Vector256<float>.Zero; var a1 = a0; var a2 = a0; var a3 = a0;
                    var c0 = a0; var c1 = a0; var c2 = a0; var c3 = a0;
                    for (var tap = 0; tap < taps; tap++)
                    {
                        var xa = Vector256.Load(row + qa + tapOffsets[tap]);
                        var xb = Vector256.Load(row + qb + tapOffsets[tap]);
                        var f0 = Vector256.Create(w0[tap]);
                        var f1 = Vector256.Create(w1[tap]);
                        var f2 = Vector256.Create(w2[tap]);
                        var f3 = Vector256.Create(w3[tap]);
                        a0 = Vector256.FusedMultiplyAdd(f0, xa, a0); c0 = Vector256.FusedMultiplyAdd(f0, xb, c0);
                        a1 = Vector256.FusedMultiplyAdd(f1, xa, a1); c1 = Vector256.FusedMultiplyAdd(f1, xb, c1);
                        a2 = Vector256.FusedMultiplyAdd(f2, xa, a2); c2 = Vector256.FusedMultiplyAdd(f2, xb, c2);
                        a3 = Vector256.FusedMultiplyAdd(f3, xa, a3); c3 = Vector256.FusedMultiplyAdd(f3, xb, c3);
                    }
                    if (hasBias)
                    {
                        (a0, a1, a2, a3) = (a0 + b0, a1 + b1, a2 + b2, a3 + b3);
                        (c0, c1, c2, c3) = (c0 + b0, c1 + b1, c2 + b2, c3 + b3);
                    }
                    TActivation.Forward(a0).Store(y0 + outRow + qa); TActivation.Forward(c0).Store(y0 + outRow + qb);
                    TActivation.Forward(a1).Store(y1 + outRow + qa); TActivation.Forward(c1).Store(y1 + outRow + qb);
                    TActivation.Forward(a2).Store(y2 + outRow + qa); TActivation.Forward(c2).Store(y2 + outRow + qb);
                    TActivation.Forward(a3).Store(y3 + outRow + qa); TActivation.Forward(c3).Store(y3 + outRow + qb);
                }
            }
        }
    }

    /// <summary>
    /// Where each vector of a row of <paramref name="outWidth"/> outputs starts: every 8, the last one moved back to end
    /// at the row's end (overlapping the one before) where the width is not a multiple of 8. Returns their number.
    /// </summary>
    private static int VectorStarts(int outWidth, int* starts)
    {
        var lanes = Vector256<float>.Count;
        var count = 0;
        for (var q = 0; q < outWidth; q += lanes)
        {
            starts[count++] = Math.Min(q, outWidth - lanes);
        }
        return count;
    }

    /// <summary>
    /// dW[k, r, s] (+)= sum over p, q of dY[k, p, q] * plane[p + r, q + s] for one image, every k: written when
    /// <paramref name="accumulate"/> is false, else added. Each tap sums eight lanes over the rows, then the lanes, then
    /// the columns left over, always in that order; a 3 x 3 kernel keeps its nine sums in registers and takes each row's
    /// last columns in one masked vector.
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
            if (taps == 9)
            {
                ThreeByThree(plane, gradient, outHeight, vectorWidth, outWidth, width, sums);
                var target3 = dWeight + (long)k * taps;
                for (var tap = 0; tap < taps; tap++)
                {
                    var sum = Vector256.Sum(sums[tap]);
                    target3[tap] = accumulate ? target3[tap] + sum : sum;
                }
                continue;
            }
            else
            {
                for (var tap = 0; tap < taps; tap++)
                {
                    sums[tap] = Vector256<float>.Zero;
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
                }
            }
            for (var tap = 0; tap < taps; tap++)
            {
                tails[tap] = 0f;
            }
            for (var p = 0; p < outHeight; p++)
            {
                var row = plane + (long)p * width;
                var gradientRow = gradient + (long)p * outWidth;
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

    /// <summary>
    /// The nine sums of a 3 x 3 kernel's taps over one channel's gradient, in (r, s) order, lane by lane, into
    /// <paramref name="sums"/>: each row's whole vectors, then its last columns, so nothing is left to a scalar tail.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ThreeByThree(float* plane, float* gradient, int outHeight, int vectorWidth, int outWidth, int width,
        Vector256<float>* sums)
    {
        var s0 = Vector256<float>.Zero; var s1 = s0; var s2 = s0; var s3 = s0; var s4 = s0; var s5 = s0; var s6 = s0; var s7 = s0; var s8 = s0;
        // Lane i of the last vector is a column not yet summed when i >= 8 - (outWidth - vectorWidth).
        var fresh = Vector256.GreaterThanOrEqual(Vector256.Create(0, 1, 2, 3, 4, 5, 6, 7),
            Vector256.Create(Vector256<float>.Count - (outWidth - vectorWidth))).AsSingle();
        for (var p = 0; p < outHeight; p++)
        {
            var r0 = plane + (long)p * width;
            var r1 = r0 + width;
            var r2 = r1 + width;
            var gradientRow = gradient + (long)p * outWidth;
            for (var q = 0; q < vectorWidth; q += Vector256<float>.Count)
            {
                var g = Vector256.Load(gradientRow + q);
                s0 = Vector256.FusedMultiplyAdd(g, Vector256.Load(r0 + q), s0);
                s1 = Vector256.FusedMultiplyAdd(g, Vector256.Load(r0 + q + 1), s1);
                s2 = Vector256.FusedMultiplyAdd(g, Vector256.Load(r0 + q + 2), s2);
                s3 = Vector256.FusedMultiplyAdd(g, Vector256.Load(r1 + q), s3);
                s4 = Vector256.FusedMultiplyAdd(g, Vector256.Load(r1 + q + 1), s4);
                s5 = Vector256.FusedMultiplyAdd(g, Vector256.Load(r1 + q + 2), s5);
                s6 = Vector256.FusedMultiplyAdd(g, Vector256.Load(r2 + q), s6);
                s7 = Vector256.FusedMultiplyAdd(g, Vector256.Load(r2 + q + 1), s7);
                s8 = Vector256.FusedMultiplyAdd(g, Vector256.Load(r2 + q + 2), s8);
            }
            if (vectorWidth < outWidth)
            {
                // The columns past the last whole vector: the row's last eight, with the lanes already summed selected
                // away after the product (a zero factor would turn an infinite input there into NaN).
                var q = outWidth - Vector256<float>.Count;
                var g = Vector256.Load(gradientRow + q);
                s0 += Vector256.ConditionalSelect(fresh, g * Vector256.Load(r0 + q), default);
                s1 += Vector256.ConditionalSelect(fresh, g * Vector256.Load(r0 + q + 1), default);
                s2 += Vector256.ConditionalSelect(fresh, g * Vector256.Load(r0 + q + 2), default);
                s3 += Vector256.ConditionalSelect(fresh, g * Vector256.Load(r1 + q), default);
                s4 += Vector256.ConditionalSelect(fresh, g * Vector256.Load(r1 + q + 1), default);
                s5 += Vector256.ConditionalSelect(fresh, g * Vector256.Load(r1 + q + 2), default);
                s6 += Vector256.ConditionalSelect(fresh, g * Vector256.Load(r2 + q), default);
                s7 += Vector256.ConditionalSelect(fresh, g * Vector256.Load(r2 + q + 1), default);
                s8 += Vector256.ConditionalSelect(fresh, g * Vector256.Load(r2 + q + 2), default);
            }
        }
        (sums[0], sums[1], sums[2], sums[3], sums[4], sums[5], sums[6], sums[7], sums[8]) = (s0, s1, s2, s3, s4, s5, s6, s7, s8);
    }

    private readonly struct ForwardWith(Conv2dShape shape, float* plane, float* weight, float* bias, float* y) : IActivationUse
    {
        public void Run<TActivation>() where TActivation : struct, IActivationFunction =>
            Forward<TActivation>(shape, plane, weight, bias, y);
    }
}
