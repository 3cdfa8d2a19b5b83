using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Descent.Kernels.Cpu;

public sealed unsafe partial class CpuBackend
{
    protected override void MaxPool2dForwardCore(DeviceBuffer<float> x, DeviceBuffer<float> y, DeviceBuffer<int> argmax, Pool2dShape shape) =>
        pool.Run(new MaxPoolForwardKernel(Pointer(x), Pointer(y), Pointer(argmax), shape), shape.Batch * shape.Channels, 1, SerialRowsBelow);

    protected override void MaxPool2dBackwardCore(DeviceBuffer<float> dY, DeviceBuffer<int> argmax, DeviceBuffer<float> dX, Pool2dShape shape) =>
        pool.Run(new MaxPoolBackwardKernel(Pointer(dY), Pointer(argmax), Pointer(dX), shape), shape.Batch * shape.Channels, 1, SerialRowsBelow);

    // Split by planes, but judged small or not by the elements they hold, as element-wise ops are.
    protected override void GlobalAvgPool2dForwardCore(DeviceBuffer<float> x, DeviceBuffer<float> y, int planes, int planeLength) =>
        pool.Run(new GlobalAvgPoolForwardKernel(Pointer(x), Pointer(y), planeLength), planes, 1, SerialPlanesBelow(planeLength));

    protected override void GlobalAvgPool2dBackwardCore(DeviceBuffer<float> dY, DeviceBuffer<float> dX, int planes, int planeLength) =>
        pool.Run(new GlobalAvgPoolBackwardKernel(Pointer(dY), Pointer(dX), planeLength), planes, 1, SerialPlanesBelow(planeLength));

    private static int SerialPlanesBelow(int planeLength) => Math.Max(1, SerialElementsBelow / planeLength);
}

/// <summary>
/// The mean of each whole plane: eight lanes of partial sums, then the lanes and the tail in a fixed order,
/// so a plane's mean does not depend on which thread took it.
/// </summary>
internal unsafe struct GlobalAvgPoolForwardKernel(float* x, float* y, int planeLength) : IRangeKernel
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public readonly void Execute(int start, int end)
    {
        for (var plane = start; plane < end; plane++)
        {
            var values = x + (long)plane * planeLength;
            var lanes = Vector256<float>.Zero;
            var i = 0;
            for (; i + Vector256<float>.Count <= planeLength; i += Vector256<float>.Count)
            {
                lanes += Vector256.Load(values + i);
            }
            var sum = Vector256.Sum(lanes);
            for (; i < planeLength; i++)
            {
                sum += values[i];
            }
            y[plane] = sum / planeLength;
        }
    }
}

/// <summary>Each plane's gradient spread evenly: dX = dY[plane] / planeLength at every value of the plane.</summary>
internal unsafe struct GlobalAvgPoolBackwardKernel(float* dY, float* dX, int planeLength) : IRangeKernel
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public readonly void Execute(int start, int end)
    {
        for (var plane = start; plane < end; plane++)
        {
            new Span<float>(dX + (long)plane * planeLength, planeLength).Fill(dY[plane] / planeLength);
        }
    }
}

/// <summary>
/// Max-pooling over whole planes (image, channel): each output the maximum of its window read in
/// row-major order, replaced only by a strictly greater value or by a first NaN, so ties go to the first.
/// 2x2 windows at stride 2 go eight at a time through AVX2.
/// </summary>
internal unsafe struct MaxPoolForwardKernel(float* x, float* y, int* argmax, Pool2dShape shape) : IRangeKernel
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public readonly void Execute(int start, int end)
    {
        var (outHeight, outWidth, width, kernel, stride) = (shape.OutHeight, shape.OutWidth, shape.Width, shape.Kernel, shape.Stride);
        var plane = (long)shape.Height * width;
        var outPlane = (long)outHeight * outWidth;
        var pairs = kernel == 2 && stride == 2 && Avx2.IsSupported;
        for (var image = start; image < end; image++)
        {
            var input = x + image * plane;
            var output = image * outPlane;
            for (var p = 0; p < outHeight; p++)
            {
                var q = 0;
                if (pairs)
                {
                    for (; q + Vector256<float>.Count <= outWidth; q += Vector256<float>.Count)
                    {
                        PairWindows(input, 2 * p * width + 2 * q, width, y + output, argmax + output);
                        output += Vector256<float>.Count;
                    }
                    // A row of 12 (the CNN's 24 x 24 planes) leaves four: one 128-bit step instead of four scalar windows.
                    for (; q + Vector128<float>.Count <= outWidth; q += Vector128<float>.Count)
                    {
                        FourWindows(input, 2 * p * width + 2 * q, width, y + output, argmax + output);
                        output += Vector128<float>.Count;
                    }
                }
                for (; q < outWidth; q++)
                {
                    var best = p * stride * width + q * stride;
                    var max = input[best];
                    for (var r = 0; r < kernel; r++)
                    {
                        var rowStart = (p * stride + r) * width + q * stride;
                        for (var s = 0; s < kernel; s++)
                        {
                            // Selects rather than branches: on real activations the winner is unpredictable.
                            var value = input[rowStart + s];
                            var better = value > max | (float.IsNaN(value) & !float.IsNaN(max));
                            best = better ? rowStart + s : best;
                            max = better ? value : max;
                        }
                    }
                    y[output] = max;
                    argmax[output] = best;
                    output++;
                }
            }
        }
    }

    /// <summary>
    /// Eight 2x2 windows side by side (the CNN's pooling), in vectors: the window's four values in
    /// row-major order are the even and odd columns of two rows, each taken over the maximum so far
    /// when strictly greater or a first NaN, as the scalar loop does.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void PairWindows(float* input, int first, int width, float* y, int* argmax)
    {
        var (top0, top1) = Deinterleave(input + first);
        var (bottom0, bottom1) = Deinterleave(input + first + width);
        var index = Vector256.Create(first) + Vector256.Create(0, 2, 4, 6, 8, 10, 12, 14);
        var max = top0;
        var best = index;
        Take(top1, index + Vector256.Create(1), ref max, ref best);
        Take(bottom0, index + Vector256.Create(width), ref max, ref best);
        Take(bottom1, index + Vector256.Create(width + 1), ref max, ref best);
        max.Store(y);
        best.Store(argmax);
    }

    /// <summary><see cref="PairWindows"/> for four windows, in 128-bit vectors.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void FourWindows(float* input, int first, int width, float* y, int* argmax)
    {
        var (top0, top1) = Deinterleave4(input + first);
        var (bottom0, bottom1) = Deinterleave4(input + first + width);
        var index = Vector128.Create(first) + Vector128.Create(0, 2, 4, 6);
        var max = top0;
        var best = index;
        Take(top1, index + Vector128.Create(1), ref max, ref best);
        Take(bottom0, index + Vector128.Create(width), ref max, ref best);
        Take(bottom1, index + Vector128.Create(width + 1), ref max, ref best);
        max.Store(y);
        best.Store(argmax);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Take(Vector128<float> candidate, Vector128<int> index, ref Vector128<float> max, ref Vector128<int> best)
    {
        var isNaN = ~Vector128.Equals(candidate, candidate);
        var maxIsNumber = Vector128.Equals(max, max);
        var better = Vector128.GreaterThan(candidate, max) | (isNaN & maxIsNumber);
        max = Vector128.ConditionalSelect(better, candidate, max);
        best = Vector128.ConditionalSelect(better.AsInt32(), index, best);
    }

    /// <summary>The 4 even-indexed and the 4 odd-indexed of 8 consecutive floats, each in order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector128<float> Even, Vector128<float> Odd) Deinterleave4(float* source)
    {
        var low = Sse.LoadVector128(source);
        var high = Sse.LoadVector128(source + 4);
        return (Sse.Shuffle(low, high, 0b10_00_10_00), Sse.Shuffle(low, high, 0b11_01_11_01));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Take(Vector256<float> candidate, Vector256<int> index, ref Vector256<float> max, ref Vector256<int> best)
    {
        var isNaN = ~Vector256.Equals(candidate, candidate);
        var maxIsNumber = Vector256.Equals(max, max);
        var better = Vector256.GreaterThan(candidate, max) | (isNaN & maxIsNumber);
        max = Vector256.ConditionalSelect(better, candidate, max);
        best = Vector256.ConditionalSelect(better.AsInt32(), index, best);
    }

    /// <summary>The 8 even-indexed and the 8 odd-indexed of 16 consecutive floats, each in order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector256<float> Even, Vector256<float> Odd) Deinterleave(float* source)
    {
        var low = Avx.LoadVector256(source);
        var high = Avx.LoadVector256(source + 8);
        // Shuffle works per 128-bit lane, giving elements 0 2 8 10 4 6 12 14; swapping the middle 64-bit pairs restores the order.
        var even = Avx2.Permute4x64(Avx.Shuffle(low, high, 0b10_00_10_00).AsDouble(), 0b11_01_10_00).AsSingle();
        var odd = Avx2.Permute4x64(Avx.Shuffle(low, high, 0b11_01_11_01).AsDouble(), 0b11_01_10_00).AsSingle();
        return (even, odd);
    }
}

/// <summary>
/// Max-pooling's gradient over whole planes: zeroed, then each output's gradient added at its argmax, in output order.
/// 2x2 windows at stride 2 that tile the plane, rows of eight or more windows (the CNN's pooling), write each element
/// instead of clearing and adding, eight windows of a row pair at a time through AVX2: each element is its window's gradient
/// where the argmax is that element, else zero, plus zero as the scalar path adds to zero (so a -0 gradient lands as +0 on
/// both). Selects, not branches: which element of a window won is unpredictable.
/// </summary>
internal unsafe struct MaxPoolBackwardKernel(float* dY, int* argmax, float* dX, Pool2dShape shape) : IRangeKernel
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public readonly void Execute(int start, int end)
    {
        var plane = (long)shape.Height * shape.Width;
        var outPlane = (long)shape.OutHeight * shape.OutWidth;
        var tiles = shape.Kernel == 2 && shape.Stride == 2 && shape.Height == 2 * shape.OutHeight && shape.Width == 2 * shape.OutWidth
            && shape.OutWidth >= Vector256<float>.Count && Avx2.IsSupported;
        for (var image = start; image < end; image++)
        {
            var gradient = dX + image * plane;
            var first = image * outPlane;
            if (tiles)
            {
                TiledWindows(dY + first, argmax + first, gradient);
                continue;
            }
            new Span<float>(gradient, (int)plane).Clear();
            for (var i = first; i < first + outPlane; i++)
            {
                gradient[argmax[i]] += dY[i];
            }
        }
    }

    /// <summary>
    /// One plane of 2x2 windows at stride 2 covering it exactly (argmax indexes the plane), eight windows at a time, the
    /// last eight of a row moved back to end with it: the windows written twice get the same values twice.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private readonly void TiledWindows(float* dY, int* argmax, float* gradient)
    {
        var (outHeight, outWidth, width) = (shape.OutHeight, shape.OutWidth, shape.Width);
        var lanes = Vector256.Create(0, 2, 4, 6, 8, 10, 12, 14);
        for (var p = 0; p < outHeight; p++)
        {
            var top = gradient + 2L * p * width;
            var bottom = top + width;
            for (var q = 0; q < outWidth; q += Vector256<float>.Count)
            {
                q = Math.Min(q, outWidth - Vector256<float>.Count);
                var at = p * outWidth + q;
                var dy = Vector256.Load(dY + at);
                // Where in its window each argmax is: 0 and 1 on the top row, width and width + 1 below.
                var offset = Vector256.Load(argmax + at) - (Vector256.Create(2 * p * width + 2 * q) + lanes);
                var topLeft = Vector256.ConditionalSelect(Vector256.Equals(offset, Vector256<int>.Zero).AsSingle(), dy, default);
                var topRight = Vector256.ConditionalSelect(Vector256.Equals(offset, Vector256.Create(1)).AsSingle(), dy, default);
                var bottomLeft = Vector256.ConditionalSelect(Vector256.Equals(offset, Vector256.Create(width)).AsSingle(), dy, default);
                var bottomRight = Vector256.ConditionalSelect(Vector256.Equals(offset, Vector256.Create(width + 1)).AsSingle(), dy, default);
                StoreInterleaved(topLeft + Vector256<float>.Zero, topRight + Vector256<float>.Zero, top + 2 * q);
                StoreInterleaved(bottomLeft + Vector256<float>.Zero, bottomRight + Vector256<float>.Zero, bottom + 2 * q);
            }
        }
    }

    /// <summary>even[0] odd[0] even[1] odd[1] ... even[7] odd[7] at target: sixteen floats.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreInterleaved(Vector256<float> even, Vector256<float> odd, float* target)
    {
        // Unpacking works per 128-bit lane: low holds pairs 0, 1 and 4, 5, high pairs 2, 3 and 6, 7.
        var low = Avx.UnpackLow(even, odd);
        var high = Avx.UnpackHigh(even, odd);
        Avx.Store(target, Avx.Permute2x128(low, high, 0x20));
        Avx.Store(target + 8, Avx.Permute2x128(low, high, 0x31));
    }
}
