using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;

namespace Descent.Kernels.Cpu;

/// <summary>
/// Software prefetch, for reads the hardware prefetchers miss: streams that jump a page or more at a time, or more of
/// them at once than they track. Each call asks for every cache line of a range, into every cache level; a prefetch
/// never faults, but the callers stay inside their buffers all the same.
/// </summary>
internal static unsafe class CachePrefetch
{
    private const int LineBytes = 64;

    /// <summary>Every line of <paramref name="length"/> floats from <paramref name="start"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Lines(float* start, long length)
    {
        var end = (byte*)(start + length);
        for (var line = (byte*)((nint)start & ~(LineBytes - 1)); line < end; line += LineBytes)
        {
            Sse.Prefetch0(line);
        }
    }

    /// <summary>
    /// A range to bring in over a stretch of other work, a part at a time between its steps: asked for at once, a few
    /// hundred lines' misses stalled the work they were meant to hide behind.
    /// </summary>
    public readonly struct Range(float* start, long length)
    {
        /// <summary>Nothing to prefetch.</summary>
        public static Range None => default;

        /// <summary>The share [first, first + count) of <paramref name="parts"/> equal parts of [start, start + length), count cut at the end.</summary>
        public Range Share(int first, int count, int parts) =>
            new(start + length * first / parts, length * Math.Min(parts, first + count) / parts - length * first / parts);

        /// <summary>Part <paramref name="part"/> of <paramref name="parts"/> equal parts of the range.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Part(int part, int parts)
        {
            if (length > 0)
            {
                var from = length * part / parts;
                Lines(start + from, length * (part + 1) / parts - from);
            }
        }
    }
}
