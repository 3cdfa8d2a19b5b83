namespace Descent.Kernels;

/// <summary>
/// The dropout mask as every backend computes it: Philox4x32-10 (Salmon et al., "Parallel random numbers:
/// as easy as 1, 2, 3", 2011), a counter-based generator, so element i of step s draws the same number
/// on any device in any order, with no state to carry: resume stays exact. One run of the generator gives
/// four 32-bit words, and all four are used: element e (its index plus step.FirstElement) takes word e mod 4
/// of counter (e div 4, step, 0, 0) under key (seed, stream), so a mask costs a quarter of one run per
/// element. A word's top 24 bits make a uniform number in [0, 1) exactly representable in float. The ILGPU
/// kernels call this code; the GLSL port (shaders/include/philox.glsl) is held to it bit for bit by the
/// conformance suite.
/// </summary>
public static class DropoutMask
{
    private const uint Multiplier0 = 0xD2511F53;
    private const uint Multiplier1 = 0xCD9E8D57;
    private const uint KeyStep0 = 0x9E3779B9;
    private const uint KeyStep1 = 0xBB67AE85;

    /// <summary>Elements that share one run of the generator, one output word each.</summary>
    public const int ElementsPerCounter = 4;

    /// <summary>Whether element <paramref name="element"/> of the tensor is kept by <paramref name="step"/>'s mask (element + step.FirstElement drawn).</summary>
    public static bool Keep(uint element, DropoutStep step)
    {
        var drawn = unchecked(element + step.FirstElement);
        var word = Words(drawn / ElementsPerCounter, step.Step, step.Seed, step.Stream).Word((int)(drawn % ElementsPerCounter));
        return Kept(word, step);
    }

    /// <summary>Whether an element whose word is <paramref name="word"/> is kept: its uniform number is at least the probability.</summary>
    public static bool Kept(uint word, DropoutStep step) => Uniform(word) >= step.Probability;

    /// <summary>
    /// The first counter a tensor of <paramref name="count"/> elements draws from, and how many: a kernel that runs one
    /// generator per counter and applies its four words to the elements they fall on does a quarter of the work of one
    /// per element.
    /// </summary>
    public static (uint First, int Counters) CounterRange(int count, DropoutStep step)
    {
        var first = step.FirstElement / ElementsPerCounter;
        var last = ((long)step.FirstElement + count - 1) / ElementsPerCounter;
        return (first, (int)(last - first + 1));
    }

    /// <summary>The uniform number in [0, 1), a multiple of 2^-24, that a word's top 24 bits make.</summary>
    /// <remarks>
    /// The top 24 bits go to float through int: exact either way, but C# converts an unsigned integer via
    /// double, which would put double arithmetic into the ILGPU kernels that call this code.
    /// </remarks>
    public static float Uniform(uint word) => (int)(word >> 8) * (1f / 16777216f);

    /// <summary>
    /// The same test on integers, for vector and shader code: an element is kept when the top 24 bits of
    /// its word are at least this (uniform * 2^24 and p * 2^24 are exact, so the tests agree).
    /// </summary>
    public static uint KeepThreshold(float probability) => (uint)Math.Ceiling(probability * 16777216.0);

    /// <summary>The first word of Philox4x32-10 at counter (counter, stepNumber, 0, 0) and key (seed, stream).</summary>
    public static uint FirstWord(uint counter, uint stepNumber, uint seed, uint stream) =>
        Words(counter, stepNumber, seed, stream).Word0;

    /// <summary>The four words of Philox4x32-10 at counter (counter, stepNumber, 0, 0) and key (seed, stream).</summary>
    public static PhiloxWords Words(uint counter, uint stepNumber, uint seed, uint stream)
    {
        uint c0 = counter, c1 = stepNumber, c2 = 0, c3 = 0;
        uint k0 = seed, k1 = stream;
        for (var round = 0; round < 10; round++)
        {
            var product0 = (ulong)Multiplier0 * c0;
            var product1 = (ulong)Multiplier1 * c2;
            var next0 = (uint)(product1 >> 32) ^ c1 ^ k0;
            var next2 = (uint)(product0 >> 32) ^ c3 ^ k1;
            c1 = (uint)product1;
            c3 = (uint)product0;
            c0 = next0;
            c2 = next2;
            k0 += KeyStep0;
            k1 += KeyStep1;
        }
        return new PhiloxWords(c0, c1, c2, c3);
    }
}

/// <summary>One run of Philox4x32-10: its four output words in order.</summary>
public readonly record struct PhiloxWords(uint Word0, uint Word1, uint Word2, uint Word3)
{
    /// <summary>Word <paramref name="index"/> (0 to 3).</summary>
    public uint Word(int index) => index switch
    {
        0 => Word0,
        1 => Word1,
        2 => Word2,
        _ => Word3,
    };
}
