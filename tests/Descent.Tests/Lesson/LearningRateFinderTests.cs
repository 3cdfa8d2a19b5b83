using Descent.Engine.Data;
using Descent.Engine.Layers;
using Descent.Engine.Losses;
using Descent.Engine.Models;
using Descent.Engine.Training;
using Descent.Kernels;
using Descent.Kernels.Cpu;
using Descent.Tests.Engine;
using Xunit;

namespace Descent.Tests.Lesson;

/// <summary>Chapter 5's finder: rates growing geometrically over at most an epoch, stopped by divergence, which is no error.</summary>
public sealed class LearningRateFinderTests
{
    /// <summary>40 images of 28x28, label i % 10, the row (i % 10) lit: ten separable classes.</summary>
    private static DatasetSplits Digits()
    {
        const int items = 40, side = 28;
        var pixels = Enumerable.Range(0, items).SelectMany(i => Enumerable.Range(0, side * side).Select(p => (byte)(p / side == i % 10 ? 255 : 0))).ToArray();
        var data = new ImageDataset(pixels, Enumerable.Range(0, items).Select(i => i % 10).ToArray(), side, side, 10);
        return new DatasetSplits(data, data);
    }

    [Fact]
    public void Rates_grow_geometrically_from_start_to_end_and_the_suggestion_is_a_tenth_of_the_minimums_rate()
    {
        using var backend = new CpuBackend();
        using var harness = new TrainingHarness(backend, Digits(), ModelSpec.Parse("784-16-10", Activation.Relu, activationGiven: true), LossFunction.CrossEntropy,
            0.1f, 4, seed: 3);

        var sweep = LearningRateFinder.Sweep(harness.Learner, 1e-5, 1e-1, steps: 9);

        Assert.Equal(SweepEnding.Completed, sweep.Ending);
        Assert.Equal(9, sweep.Rates.Count);
        Assert.Equal(1e-5, sweep.Rates[0], 1e-12);
        Assert.Equal(1e-1, sweep.Rates[^1], 1e-9);
        Assert.All(sweep.Rates.Skip(1).Zip(sweep.Rates), pair => Assert.Equal(Math.Pow(10, 0.5), pair.First / pair.Second, 1e-9));
        var lowest = sweep.SmoothedLosses.Min();
        Assert.Equal(sweep.Rates[sweep.SmoothedLosses.ToList().IndexOf(lowest)], sweep.MinimumRate);
        Assert.Equal(sweep.MinimumRate / 10, sweep.SuggestedRate, 1e-15);
        Assert.Equal(0, harness.Learner.EpochsDone);
    }

    [Fact]
    public void A_sweep_stops_once_the_loss_diverges_and_never_takes_more_than_an_epoch()
    {
        using var backend = new CpuBackend();
        using var harness = new TrainingHarness(backend, Digits(), ModelSpec.Parse("784-16-10", Activation.LeakyRelu, activationGiven: true),
            LossFunction.CrossEntropy, 0.1f, 2, seed: 3);

        var sweep = LearningRateFinder.Sweep(harness.Learner, 1e-2, 1e30, steps: 1000);

        Assert.Equal(harness.Learner.BatchesPerEpoch, sweep.PlannedSteps);
        Assert.NotEqual(SweepEnding.Completed, sweep.Ending);
        Assert.True(sweep.Rates.Count < sweep.PlannedSteps);
        Assert.All(sweep.Losses, loss => Assert.True(double.IsFinite(loss)));
    }

    [Theory]
    [InlineData(0.0, 1.0, 10)]
    [InlineData(1.0, 0.5, 10)]
    [InlineData(1e-3, 1.0, 1)]
    public void A_sweep_that_cannot_sweep_is_bad_input(double start, double end, int steps)
    {
        using var backend = new CpuBackend();
        using var harness = new TrainingHarness(backend, Digits(), ModelSpec.Parse("784-16-10", Activation.Relu, activationGiven: true), LossFunction.CrossEntropy,
            0.1f, 4, seed: 3);

        Assert.Throws<InvalidInputException>(() => LearningRateFinder.Sweep(harness.Learner, start, end, steps));
    }
}
