namespace Descent.Kernels;

/// <summary>
/// The dropout mask as every backend computes it: Philox4x32-10 (Salmon et al., "Parallel random numbers:
/// as easy as 1, 2, 3", 2011), a counter-based generator, so element i of step s draws the same number
/// on any device in any order, with no state to carry: resume stays exact. The counter is
/// (element, step, 0, 0) and the key (seed, stream); the first output word's top 24 bits make a uniform
/// number in [0, 1) exactly representable in float. The ILGPU kernels call this code; the GLSL port
/// (shaders/include/philox.glsl) is held to it bit for bit by the conformance suite.
/// </summary>
public static class DropoutMask
{
    private const uint Multiplier0 = 0xD2511F53;
    private const uint Multiplier1 = 0xCD9E8D57;
    private const uint KeyStep0 = 0x9E3779B9;
    private const uint KeyStep1 = 0xBB67AE85;

    /// <summary>Whether element <paramref name="element"/> of the tensor is kept by <paramref name="step"/>'s mask (counter element + step.FirstElement).</summary>
    public static bool Keep(uint element, DropoutStep step) =>
        Uniform(unchecked(element + step.FirstElement), step.Step, step.Seed, step.Stream) >= step.Probability;

    /// <summary>A uniform number in [0, 1), a multiple of 2^-24, for one counter and key.</summary>
    /// <remarks>
    /// The top 24 bits go to float through int: exact either way, but C# converts an unsigned integer via
    /// double, which would put double arithmetic into the ILGPU kernels that call this code.
    /// </remarks>
    public static float Uniform(uint element, uint stepNumber, uint seed, uint stream) =>
        (int)(FirstWord(element, stepNumber, seed, stream) >> 8) * (1f / 16777216f);

    /// <summary>
    /// The same test on integers, for vector and shader code: an element is kept when the top 24 bits of
    /// <see cref="FirstWord"/> are at least this (uniform * 2^24 and p * 2^24 are exact, so the tests agree).
    /// </summary>
    public static uint KeepThreshold(float probability) => (uint)Math.Ceiling(probability * 16777216.0);

    /// <summary>The first word of Philox4x32-10 at counter (element, stepNumber, 0, 0) and key (seed, stream).</summary>
    public static uint FirstWord(uint element, uint stepNumber, uint seed, uint stream)
    {
        uint c0 = element, c1 = stepNumber, c2 = 0, c3 = 0;
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
        return c0;
    }
}
