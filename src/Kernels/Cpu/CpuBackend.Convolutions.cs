using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Descent.Kernels.Cpu;

public sealed unsafe partial class CpuBackend
{
    // ---------------------------------------------------------------- convolution

    protected override void Conv2dForwardCore(DeviceBuffer<float> x, DeviceBuffer<float> weight, DeviceBuffer<float> bias,
        DeviceBuffer<float> y, Conv2dShape shape, Activation? activation) =>
        convolution.Forward(Pointer(x), Pointer(weight), Pointer(bias), Pointer(y), shape, activation);

    protected override void Conv2dBackwardInputCore(DeviceBuffer<float> dY, DeviceBuffer<float> weight, DeviceBuffer<float> dX,
        Conv2dShape shape) =>
        convolution.BackwardInput(Pointer(dY), Pointer(weight), Pointer(dX), shape);

    protected override void Conv2dBackwardWeightCore(DeviceBuffer<float> dY, DeviceBuffer<float> x, DeviceBuffer<float> dWeight,
        DeviceBuffer<float> dBias, Conv2dShape shape)
    {
        convolution.BackwardWeight(Pointer(dY), Pointer(x), Pointer(dWeight), shape);
        pool.Run(new ChannelSumKernel(Pointer(dY), Pointer(dBias), shape.Batch, shape.OutChannels, shape.OutHeight * shape.OutWidth),
            shape.OutChannels, 1, SerialRowsBelow);
    }

    /// <summary>Each thread's column matrix in a slot of its own, then the weight gradient's chunk partials, as ConvolutionJob reserves them.</summary>
    protected override IReadOnlyList<ScratchNeed> ConvolutionScratchCore(ConvolutionPass pass, Conv2dShape shape)
    {
        var sizes = ConvolutionJob.Scratch(pass, shape);
        var needs = new List<ScratchNeed>();
        if (sizes.ColumnsPerThread > 0)
        {
            for (var thread = 0; thread < convolution.Threads; thread++)
            {
                needs.Add(new ScratchNeed(ColumnSlot(thread), typeof(float), sizes.ColumnsPerThread));
            }
        }
        if (sizes.Partials > 0)
        {
            needs.Add(new ScratchNeed(PartialSlot, typeof(float), sizes.Partials));
        }
        return needs;
    }

    /// <summary>The convolution scratch this backend holds now, slot by slot, at its allocated size.</summary>
    internal IReadOnlyList<ScratchNeed> HeldScratch
    {
        get
        {
            var (columnsPerThread, partials) = convolution.Held;
            var held = columnsPerThread.Select((floats, thread) => new ScratchNeed(ColumnSlot(thread), typeof(float), floats))
                .Append(new ScratchNeed(PartialSlot, typeof(float), partials));
            return held.Where(need => need.Elements > 0).ToList();
        }
    }

    private const string PartialSlot = "weight partials";

    private static string ColumnSlot(int thread) => $"columns of thread {thread}";

    // ---------------------------------------------------------------- pooling

    protected override void MaxPool2dForwardCore(DeviceBuffer<float> x, DeviceBuffer<float> y, DeviceBuffer<int> argmax, Pool2dShape shape) =>
        pool.Run(new MaxPoolForwardKernel(Pointer(x), Pointer(y), Pointer(argmax), shape), shape.Batch * shape.Channels, 1, SerialRowsBelow);

    protected override void MaxPool2dBackwardCore(DeviceBuffer<float> dY, DeviceBuffer<int> argmax, DeviceBuffer<float> dX, Pool2dShape shape) =>
        pool.Run(new MaxPoolBackwardKernel(Pointer(dY), Pointer(argmax), Pointer(dX), shape), shape.Batch * shape.Channels, 1, SerialRowsBelow);

    // ---------------------------------------------------------------- dropout

    protected override void DropoutForwardCore(DeviceBuffer<float> x, DeviceBuffer<float> y, int count, DropoutStep step) =>
        RunElementwise(new DropoutKernel(Pointer(x), Pointer(y), step), count);

    protected override void DropoutBackwardCore(DeviceBuffer<float> dY, DeviceBuffer<float> dX, int count, DropoutStep step) =>
        RunElementwise(new DropoutKernel(Pointer(dY), Pointer(dX), step), count);

    // ---------------------------------------------------------------- Adadelta

    protected override void AdadeltaUpdateCore(DeviceBuffer<float> parameters, DeviceBuffer<float> gradients, DeviceBuffer<float> squareAverage,
        DeviceBuffer<float> deltaAverage, int count, AdadeltaStep step) =>
        RunElementwise(new AdadeltaKernel(Pointer(parameters), Pointer(gradients), Pointer(squareAverage), Pointer(deltaAverage), step), count);
}

/// <summary>dBias[k] = the sum over images n and positions of dY[n, k, ..], each channel summed in the same order every time.</summary>
internal unsafe struct ChannelSumKernel(float* dY, float* dBias, int batch, int channels, int plane) : IRangeKernel
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public readonly void Execute(int start, int end)
    {
        for (var k = start; k < end; k++)
        {
            var lanes = Vector256<float>.Zero;
            var tail = 0f;
            for (var n = 0; n < batch; n++)
            {
                var row = dY + ((long)n * channels + k) * plane;
                var i = 0;
                for (; i + Vector256<float>.Count <= plane; i += Vector256<float>.Count)
                {
                    lanes += Vector256.Load(row + i);
                }
                for (; i < plane; i++)
                {
                    tail += row[i];
                }
            }
            dBias[k] = Vector256.Sum(lanes) + tail;
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

/// <summary>Max-pooling's gradient over whole planes: zeroed, then each output's gradient added at its argmax, in output order.</summary>
internal unsafe struct MaxPoolBackwardKernel(float* dY, int* argmax, float* dX, Pool2dShape shape) : IRangeKernel
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public readonly void Execute(int start, int end)
    {
        var plane = (long)shape.Height * shape.Width;
        var outPlane = (long)shape.OutHeight * shape.OutWidth;
        for (var image = start; image < end; image++)
        {
            var gradient = dX + image * plane;
            new Span<float>(gradient, (int)plane).Clear();
            var first = image * outPlane;
            for (var i = first; i < first + outPlane; i++)
            {
                gradient[argmax[i]] += dY[i];
            }
        }
    }
}

/// <summary>
/// output[i] = input[i] * KeptScale where <see cref="DropoutMask"/> keeps i, else 0 (forward and backward
/// alike; in place allowed). Philox4x32-10 runs on four counters at once in 64-bit lanes, each holding a
/// 32-bit word, so a 32 x 32 -> 64-bit vector multiply gives each round's high and low halves; the kept
/// test (word0 >> 8) * 2^-24 >= p is the exact integer test (word0 >> 8) >= ceil(p * 2^24).
/// </summary>
internal unsafe struct DropoutKernel(float* input, float* output, DropoutStep step) : IRangeKernel
{
    private const uint Multiplier0 = 0xD2511F53;
    private const uint Multiplier1 = 0xCD9E8D57;
    private const uint KeyStep0 = 0x9E3779B9;
    private const uint KeyStep1 = 0xBB67AE85;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public readonly void Execute(int start, int end)
    {
        var scale = step.KeptScale;
        var threshold = Vector256.Create((long)DropoutMask.KeepThreshold(step.Probability));
        var low = Vector256.Create(0xFFFFFFFFUL);
        var multiplier0 = Vector256.Create((ulong)Multiplier0);
        var multiplier1 = Vector256.Create((ulong)Multiplier1);
        var stepNumber = Vector256.Create((ulong)step.Step);
        var i = start;
        if (Avx512F.IsSupported)
        {
            i = EightAtOnce(start, end, scale);
        }
        for (; i + 4 <= end; i += 4)
        {
            var c0 = Vector256.Create((ulong)(uint)i, (ulong)(uint)(i + 1), (ulong)(uint)(i + 2), (ulong)(uint)(i + 3));
            var c1 = stepNumber;
            var c2 = Vector256<ulong>.Zero;
            var c3 = Vector256<ulong>.Zero;
            uint k0 = step.Seed, k1 = step.Stream;
            for (var round = 0; round < 10; round++)
            {
                var product0 = Multiply(multiplier0, c0);
                var product1 = Multiply(multiplier1, c2);
                var next0 = Vector256.ShiftRightLogical(product1, 32) ^ c1 ^ Vector256.Create((ulong)k0);
                var next2 = Vector256.ShiftRightLogical(product0, 32) ^ c3 ^ Vector256.Create((ulong)k1);
                c1 = product1 & low;
                c3 = product0 & low;
                c0 = next0;
                c2 = next2;
                k0 += KeyStep0;
                k1 += KeyStep1;
            }
            // Both sides are below 2^24: a signed compare, which AVX2 has, is the unsigned one.
            var kept = Vector256.GreaterThanOrEqual(Vector256.ShiftRightLogical(c0, 8).AsInt64(), threshold).ExtractMostSignificantBits();
            for (var lane = 0; lane < 4; lane++)
            {
                output[i + lane] = (kept & (1u << lane)) != 0 ? input[i + lane] * scale : 0f;
            }
        }
        for (; i < end; i++)
        {
            output[i] = DropoutMask.Keep((uint)i, step) ? input[i] * scale : 0f;
        }
    }

    /// <summary>
    /// Elements from <paramref name="start"/> eight at a time in AVX-512 (the same rounds in 64-bit
    /// lanes, twice as wide), the mask applied in a vector; returns where it stopped.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private readonly int EightAtOnce(int start, int end, float scale)
    {
        var threshold = Vector512.Create((long)DropoutMask.KeepThreshold(step.Probability));
        var low = Vector512.Create(0xFFFFFFFFUL);
        var multiplier0 = Vector512.Create((ulong)Multiplier0).AsUInt32();
        var multiplier1 = Vector512.Create((ulong)Multiplier1).AsUInt32();
        var stepNumber = Vector512.Create((ulong)step.Step);
        var lanes = Vector512.Create(0UL, 1, 2, 3, 4, 5, 6, 7);
        var scales = Vector256.Create(scale);
        var i = start;
        for (; i + 8 <= end; i += 8)
        {
            // (uint)(i + lane): the element index wraps as DropoutMask's uint counter does.
            var c0 = (Vector512.Create((ulong)(uint)i) + lanes) & low;
            var c1 = stepNumber;
            var c2 = Vector512<ulong>.Zero;
            var c3 = Vector512<ulong>.Zero;
            uint k0 = step.Seed, k1 = step.Stream;
            for (var round = 0; round < 10; round++)
            {
                var product0 = Avx512F.Multiply(multiplier0, c0.AsUInt32());
                var product1 = Avx512F.Multiply(multiplier1, c2.AsUInt32());
                var next0 = Vector512.ShiftRightLogical(product1, 32) ^ c1 ^ Vector512.Create((ulong)k0);
                var next2 = Vector512.ShiftRightLogical(product0, 32) ^ c3 ^ Vector512.Create((ulong)k1);
                c1 = product1 & low;
                c3 = product0 & low;
                c0 = next0;
                c2 = next2;
                k0 += KeyStep0;
                k1 += KeyStep1;
            }
            var kept = Vector512.GreaterThanOrEqual(Vector512.ShiftRightLogical(c0, 8).AsInt64(), threshold);
            // Each 64-bit lane of the mask, all ones or all zeros, narrowed to the 32-bit lane of its element.
            var mask = Avx512F.ConvertToVector256Int32(kept).AsSingle();
            Vector256.ConditionalSelect(mask, Vector256.Load(input + i) * scales, Vector256<float>.Zero).Store(output + i);
        }
        return i;
    }

    /// <summary>
    /// The full 64-bit products of lanes below 2^32: one vpmuludq where AVX2 is present (a general
    /// 64-bit multiply is several instructions, or a slow one).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<ulong> Multiply(Vector256<ulong> left, Vector256<ulong> right) =>
        Avx2.IsSupported ? Avx2.Multiply(left.AsUInt32(), right.AsUInt32()) : left * right;
}

/// <summary>
/// Adadelta in place over N elements, PyTorch's form: g = grad + weightDecay * param;
/// squareAverage = rho squareAverage + (1 - rho) g^2; delta = sqrt(deltaAverage + eps) / sqrt(squareAverage + eps) * g;
/// deltaAverage = rho deltaAverage + (1 - rho) delta^2; param -= learningRate * delta.
/// </summary>
internal unsafe struct AdadeltaKernel(float* parameters, float* gradients, float* squareAverage, float* deltaAverage,
    AdadeltaStep step) : IRangeKernel
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public readonly void Execute(int start, int end)
    {
        var (lr, rho, eps, wd) = (step.LearningRate, step.Rho, step.Epsilon, step.WeightDecay);
        var i = start;
        for (; i + Vector256<float>.Count <= end; i += Vector256<float>.Count)
        {
            var param = Vector256.Load(parameters + i);
            var g = Vector256.Load(gradients + i) + Vector256.Create(wd) * param;
            var square = Vector256.Create(rho) * Vector256.Load(squareAverage + i) + Vector256.Create(1f - rho) * g * g;
            var delta = Vector256.Sqrt(Vector256.Load(deltaAverage + i) + Vector256.Create(eps)) / Vector256.Sqrt(square + Vector256.Create(eps)) * g;
            var deltaSquare = Vector256.Create(rho) * Vector256.Load(deltaAverage + i) + Vector256.Create(1f - rho) * delta * delta;
            square.Store(squareAverage + i);
            deltaSquare.Store(deltaAverage + i);
            (param - Vector256.Create(lr) * delta).Store(parameters + i);
        }
        for (; i < end; i++)
        {
            var param = parameters[i];
            var g = gradients[i] + wd * param;
            var square = rho * squareAverage[i] + (1f - rho) * g * g;
            var delta = MathF.Sqrt(deltaAverage[i] + eps) / MathF.Sqrt(square + eps) * g;
            squareAverage[i] = square;
            deltaAverage[i] = rho * deltaAverage[i] + (1f - rho) * delta * delta;
            parameters[i] = param - lr * delta;
        }
    }
}
