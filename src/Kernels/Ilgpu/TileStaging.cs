using System.Runtime.CompilerServices;

namespace Descent.Kernels.Ilgpu;

/// <summary>
/// Which elements of a GEMM operand's tile (width along M or N, depth along K) one thread of a group copies
/// into shared memory, so that the group's loads are coalesced whichever way the operand is stored.
/// The tile's elements are numbered along the direction the operand is contiguous in global memory
/// ("fast"), then across it ("slow"); thread t copies elements t, t + T, t + 2T, ... of T threads.
/// Stepping by T is kept as a step in each coordinate plus a carry, so the loop that copies a tile at
/// every step along K divides nothing (an integer division costs a GPU some twenty instructions).
/// </summary>
internal readonly struct TileStaging
{
    /// <summary>True when the operand is contiguous along K: "fast" is then the depth, else the width.</summary>
    public readonly bool AlongK;

    public readonly int FastSize;
    public readonly int SlowSize;
    public readonly int FastStart;
    public readonly int SlowStart;
    public readonly int FastStep;
    public readonly int SlowStep;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public TileStaging(int thread, int threads, int width, int depth, bool alongK)
    {
        AlongK = alongK;
        FastSize = alongK ? depth : width;
        SlowSize = alongK ? width : depth;
        FastStart = thread % FastSize;
        SlowStart = thread / FastSize;
        FastStep = threads % FastSize;
        SlowStep = threads / FastSize;
    }
}
