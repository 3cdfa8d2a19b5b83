using Descent.Kernels;
using Xunit;

namespace Descent.Tests.Conformance;

/// <summary>
/// The dropout mask's generator anchored to the published Philox4x32-10 known-answer vector, so every
/// backend is held to Philox itself rather than to a shared mistake, and its mask to the right rate.
/// </summary>
public sealed class DropoutMaskTests
{
    [Fact]
    public void Words_match_random123s_known_answer_for_a_zero_counter_and_key()
    {
        // Random123's kat_vectors: philox4x32 10 rounds, counter 0 0 0 0, key 0 0 -> 6627e8d5 e169c58d bc57ac4c 9b00dbd8.
        Assert.Equal(new PhiloxWords(0x6627e8d5u, 0xe169c58du, 0xbc57ac4cu, 0x9b00dbd8u), DropoutMask.Words(0, 0, 0, 0));
        Assert.Equal(0x6627e8d5u, DropoutMask.FirstWord(0, 0, 0, 0));
    }

    [Fact]
    public void Element_e_takes_word_e_mod_4_of_counter_e_div_4()
    {
        var step = new DropoutStep(0.5f, Seed: 3, Stream: 1, Step: 7, FirstElement: 6);
        for (var element = 0u; element < 64; element++)
        {
            var drawn = element + 6;
            var word = DropoutMask.Words(drawn / 4, 7, 3, 1).Word((int)(drawn % 4));
            Assert.Equal(word >> 8 >= 1u << 23, DropoutMask.Keep(element, step));
        }
    }

    [Theory]
    [InlineData(0.25f)]
    [InlineData(0.5f)]
    [InlineData(0.9f)]
    public void The_mask_keeps_about_one_minus_p_of_a_large_tensor(float probability)
    {
        const int count = 1 << 20;
        var step = new DropoutStep(probability, Seed: 1, Stream: 2, Step: 3);

        var kept = 0;
        for (var i = 0u; i < count; i++)
        {
            kept += DropoutMask.Keep(i, step) ? 1 : 0;
        }

        // The standard deviation of the kept fraction is sqrt(p (1 - p) / n), at most 5e-4 here: 0.003 is six of them.
        Assert.InRange((double)kept / count, 1 - probability - 0.003, 1 - probability + 0.003);
    }

    [Fact]
    public void Probability_zero_keeps_everything_and_masks_differ_by_step_and_stream()
    {
        var keepAll = new DropoutStep(0f, Seed: 5, Stream: 0, Step: 0);
        Assert.All(Enumerable.Range(0, 1000), i => Assert.True(DropoutMask.Keep((uint)i, keepAll)));

        bool[] Mask(DropoutStep step) => Enumerable.Range(0, 256).Select(i => DropoutMask.Keep((uint)i, step)).ToArray();
        var baseline = Mask(new DropoutStep(0.5f, Seed: 5, Stream: 0, Step: 0));
        Assert.NotEqual(baseline, Mask(new DropoutStep(0.5f, Seed: 5, Stream: 0, Step: 1)));
        Assert.NotEqual(baseline, Mask(new DropoutStep(0.5f, Seed: 5, Stream: 1, Step: 0)));
        Assert.NotEqual(baseline, Mask(new DropoutStep(0.5f, Seed: 6, Stream: 0, Step: 0)));
    }

    /// <summary>
    /// A rank that holds rows from r of a shared batch passes FirstElement = r * width: its mask must be the tail of the mask
    /// one process draws for the whole batch, on the CPU backend's vector paths (odd starts and lengths) as in DropoutMask.
    /// </summary>
    [Theory]
    [InlineData(0)]
    [InlineData(3)]
    [InlineData(1 * 37)]
    [InlineData(5 * 37)]
    public void A_share_of_a_batch_drawn_from_its_first_element_is_the_tail_of_the_whole_batchs_mask(int firstElement)
    {
        const int whole = 11 * 37;
        var step = new DropoutStep(0.5f, Seed: 8, Stream: 1, Step: 12);
        using var backend = new Descent.Kernels.Cpu.CpuBackend(2);
        float[] Masked(int from)
        {
            using var x = backend.Allocate<float>(whole - from);
            backend.Upload<float>(x, Enumerable.Repeat(1f, whole - from).ToArray());
            backend.DropoutForward(x, x, whole - from, step with { FirstElement = (uint)from });
            var values = new float[whole - from];
            backend.Download(x, values);
            return values;
        }

        var share = Masked(firstElement);

        Assert.Equal(Masked(0)[firstElement..], share);
        Assert.Equal(Enumerable.Range(firstElement, whole - firstElement).Select(i => DropoutMask.Keep((uint)i, step) ? 2f : 0f), share);
    }
}
