using Descent.Engine.Training;
using Xunit;

namespace Descent.Tests.Engine;

/// <summary>Each epoch's order is a function of the seed and the epoch alone: a permutation, repeatable, different per epoch, unbiased.</summary>
public sealed class EpochPermutationTests
{
    [Fact]
    public void The_order_is_a_permutation_that_depends_only_on_seed_and_epoch()
    {
        var first = Order(1000, seed: 42, epoch: 3);

        Assert.Equal(Enumerable.Range(0, 1000), first.Order());
        Assert.Equal(first, Order(1000, seed: 42, epoch: 3));
        Assert.NotEqual(first, Order(1000, seed: 42, epoch: 4));
        Assert.NotEqual(first, Order(1000, seed: 43, epoch: 3));
        Assert.Equal([0], Order(1, seed: 42, epoch: 0));
    }

    /// <summary>
    /// Over 4000 epochs each of 8 items lands in each of 8 places about 500 times; a chi-square over the
    /// 64 cells stays far below what a biased shuffle (such as a modulo draw or an off-by-one swap range) gives.
    /// </summary>
    [Fact]
    public void Every_item_is_equally_likely_in_every_place()
    {
        const int items = 8, epochs = 4000;
        var counts = new int[items, items];
        for (var epoch = 0; epoch < epochs; epoch++)
        {
            var order = Order(items, seed: 7, epoch);
            for (var place = 0; place < items; place++)
            {
                counts[order[place], place]++;
            }
        }

        const double expected = (double)epochs / items;
        var chiSquare = 0.0;
        foreach (var count in counts)
        {
            chiSquare += (count - expected) * (count - expected) / expected;
        }
        // 49 degrees of freedom: the 99.9th percentile is about 86.
        Assert.True(chiSquare < 86, $"chi-square {chiSquare:F1} over 64 cells");
    }

    private static int[] Order(int items, int seed, int epoch)
    {
        var order = new int[items];
        EpochPermutation.Fill(order, seed, epoch);
        return order;
    }
}
