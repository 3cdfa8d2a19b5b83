namespace Descent.Engine.Training;

/// <summary>
/// The order an epoch visits the training set in, derived from the run's seed and the epoch's number
/// alone: so a run resumed at epoch N shuffles exactly as the uninterrupted run did, with no generator
/// state to save. A Fisher-Yates shuffle driven by SplitMix64 (a counter-based generator: a 64-bit
/// state stepped by a constant and mixed), with Lemire's unbiased bounded draw. Allocates nothing.
/// </summary>
public static class EpochPermutation
{
    /// <summary>Fills <paramref name="order"/> with a permutation of 0 .. Length-1 for this seed and epoch.</summary>
    public static void Fill(Span<int> order, int seed, int epoch)
    {
        for (var i = 0; i < order.Length; i++)
        {
            order[i] = i;
        }
        var state = Mix(((ulong)(uint)seed << 32) | (uint)epoch);
        for (var i = order.Length - 1; i > 0; i--)
        {
            var j = (int)Below(ref state, (uint)(i + 1));
            (order[i], order[j]) = (order[j], order[i]);
        }
    }

    /// <summary>A draw in [0, bound) without modulo bias (Lemire, "Fast random integer generation in an interval", 2019).</summary>
    private static uint Below(ref ulong state, uint bound)
    {
        var product = (ulong)Next32(ref state) * bound;
        var low = (uint)product;
        if (low < bound)
        {
            var threshold = (uint)(-bound) % bound;
            while (low < threshold)
            {
                product = (ulong)Next32(ref state) * bound;
                low = (uint)product;
            }
        }
        return (uint)(product >> 32);
    }

    private static uint Next32(ref ulong state)
    {
        state += 0x9E3779B97F4A7C15UL;
        return (uint)(Mix(state) >> 32);
    }

    /// <summary>SplitMix64's finaliser: every input bit affects every output bit.</summary>
    private static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
