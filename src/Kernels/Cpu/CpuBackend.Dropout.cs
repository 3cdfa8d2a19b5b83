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
/// output[i] = input[i] * KeptScale where <see cref="DropoutMask"/> keeps i, else 0 (forward and backward alike; in place
/// allowed). Element e = i + FirstElement takes word e mod 4 of one Philox4x32-10 run at counter e div 4, so the vector
/// loop starts where e is a multiple of 4 and runs eight counters at once in 64-bit lanes, each holding a 32-bit word
/// (a 32 x 32 -> 64-bit vector multiply gives each round's high and low halves): 32 elements per pass. The kept test
/// (word >> 8) * 2^-24 >= p is the exact integer test (word >> 8) >= ceil(p * 2^24).
/// </summary>
internal unsafe struct DropoutKernel(float* input, float* output, DropoutStep step) : IRangeKernel
{
    private const uint Multiplier0 = 0xD2511F53;
    private const uint Multiplier1 = 0xCD9E8D57;
    private const uint KeyStep0 = 0x9E3779B9;
    private const uint KeyStep1 = 0xBB67AE85;
    private const int PerCounter = DropoutMask.ElementsPerCounter;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public readonly void Execute(int start, int end)
    {
        var i = start;
        while (i < end && Drawn(i) % PerCounter != 0)
        {
            One(i++);
        }
        if (Avx512F.IsSupported && Bmi2.IsSupported)
        {
            i = ThirtyTwoAtOnce(i, end);
        }
        for (; i + PerCounter <= end; i += PerCounter)
        {
            var words = DropoutMask.Words(Drawn(i) / PerCounter, step.Step, step.Seed, step.Stream);
            for (var word = 0; word < PerCounter; word++)
            {
                Apply(i + word, DropoutMask.Uniform(words.Word(word)) >= step.Probability);
            }
        }
        while (i < end)
        {
            One(i++);
        }
    }

    private readonly uint Drawn(int i) => unchecked((uint)i + step.FirstElement);

    private readonly void One(int i) => Apply(i, DropoutMask.Keep((uint)i, step));

    private readonly void Apply(int i, bool kept) => output[i] = kept ? input[i] * step.KeptScale : 0f;

    /// <summary>
    /// Elements from <paramref name="start"/> (where a counter starts) 32 at a time in AVX-512; returns where it stopped.
    /// Each word's kept tests come out as 8 bits, one per counter; BMI2's bit deposit interleaves the four words' bits
    /// into element order (bit 4 x counter + word), and each half of that mask selects 16 floats.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private readonly int ThirtyTwoAtOnce(int start, int end)
    {
        const int counters = 8;
        var threshold = Vector512.Create((long)DropoutMask.KeepThreshold(step.Probability));
        var low = Vector512.Create(0xFFFFFFFFUL);
        // Element numbers wrap at 2^32, so counters (element / 4) wrap at 2^30.
        var counterWrap = Vector512.Create((ulong)(uint.MaxValue / PerCounter));
        var multiplier0 = Vector512.Create((ulong)Multiplier0).AsUInt32();
        var multiplier1 = Vector512.Create((ulong)Multiplier1).AsUInt32();
        var stepNumber = Vector512.Create((ulong)step.Step);
        var lanes = Vector512.Create(0UL, 1, 2, 3, 4, 5, 6, 7);
        var laneBits = Vector512.Create(1u, 1u << 1, 1u << 2, 1u << 3, 1u << 4, 1u << 5, 1u << 6, 1u << 7,
            1u << 8, 1u << 9, 1u << 10, 1u << 11, 1u << 12, 1u << 13, 1u << 14, 1u << 15);
        var scales = Vector512.Create(step.KeptScale);
        var i = start;
        for (; i + counters * PerCounter <= end; i += counters * PerCounter)
        {
            var c0 = (Vector512.Create((ulong)(Drawn(i) / PerCounter)) + lanes) & counterWrap;
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
            var kept = Bmi2.ParallelBitDeposit(KeptBits(c0, threshold), 0x11111111)
                | Bmi2.ParallelBitDeposit(KeptBits(c1, threshold), 0x22222222)
                | Bmi2.ParallelBitDeposit(KeptBits(c2, threshold), 0x44444444)
                | Bmi2.ParallelBitDeposit(KeptBits(c3, threshold), 0x88888888);
            Select(i, kept & 0xFFFF, laneBits, scales);
            Select(i + 16, kept >> 16, laneBits, scales);
        }
        return i;
    }

    /// <summary>Bit j set where lane j's word keeps its element.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint KeptBits(Vector512<ulong> words, Vector512<long> threshold) =>
        // Both sides are below 2^24: the signed compare is the unsigned one.
        (uint)Vector512.GreaterThanOrEqual(Vector512.ShiftRightLogical(words, 8).AsInt64(), threshold).ExtractMostSignificantBits();

    /// <summary>output[i + j] = input[i + j] * scale where bit j of <paramref name="kept"/> is set, else 0, for 16 elements.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private readonly void Select(int i, uint kept, Vector512<uint> laneBits, Vector512<float> scales)
    {
        var mask = Vector512.Equals(Vector512.Create(kept) & laneBits, laneBits).AsSingle();
        Vector512.ConditionalSelect(mask, Vector512.Load(input + i) * scales, Vector512<float>.Zero).Store(output + i);
    }
}
