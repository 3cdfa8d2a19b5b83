using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Descent.Kernels.Cpu;

public sealed unsafe partial class CpuBackend
{
    protected override void DropoutForwardCore(DeviceBuffer<float> x, DeviceBuffer<float> y, int count, DropoutStep step) =>
        RunElementwise(new DropoutKernel(Pointer(x), Pointer(y), step), count);

    protected override void DropoutBackwardCore(DeviceBuffer<float> dY, DeviceBuffer<float> dX, int count, DropoutStep step) =>
        RunElementwise(new DropoutKernel(Pointer(dY), Pointer(dX), step), count);
}

/// <summary>
/// output[i] = input[i] * KeptScale where <see cref="DropoutMask"/> keeps i (counter i + FirstElement), else 0 (forward and backward
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
            var counter = unchecked((uint)i + step.FirstElement);
            var c0 = Vector256.Create((ulong)counter, (ulong)unchecked(counter + 1), (ulong)unchecked(counter + 2), (ulong)unchecked(counter + 3));
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
            // (uint)(i + FirstElement + lane): the counter wraps as DropoutMask's uint counter does.
            var c0 = (Vector512.Create((ulong)unchecked((uint)i + step.FirstElement)) + lanes) & low;
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
