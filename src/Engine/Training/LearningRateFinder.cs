using Descent.Engine.Charts;
using Descent.Kernels;

namespace Descent.Engine.Training;

/// <summary>Why a learning-rate sweep ended.</summary>
public enum SweepEnding
{
    /// <summary>Every planned rate was tried.</summary>
    Completed,

    /// <summary>The loss became NaN or infinite.</summary>
    NonFinite,

    /// <summary>The smoothed loss passed four times its minimum.</summary>
    Diverging,
}

/// <summary>
/// One sweep: the rate of each step, the batch's loss at it (before the step's update), that loss
/// smoothed, how the sweep ended and the rate it suggests.
/// </summary>
/// <param name="PlannedSteps">The steps the sweep would have taken had the loss stayed low.</param>
/// <param name="MinimumRate">The rate at which the smoothed loss was lowest.</param>
/// <param name="SuggestedRate">Chapter 5's suggestion: a tenth of <paramref name="MinimumRate"/>.</param>
public sealed record LearningRateSweep(
    IReadOnlyList<double> Rates, IReadOnlyList<double> Losses, IReadOnlyList<double> SmoothedLosses, int PlannedSteps,
    SweepEnding Ending, double MinimumRate, double MinimumLoss, double SuggestedRate)
{
    /// <summary>How the sweep ended, in words.</summary>
    public string EndingDescription => Ending switch
    {
        SweepEnding.Completed => "every planned rate tried",
        SweepEnding.NonFinite => "stopped early: the loss became non-finite",
        _ => "stopped early: the smoothed loss passed four times its minimum",
    };

    /// <summary>Loss against rate on a log axis, raw and smoothed, with the suggested rate marked.</summary>
    public LineChart Chart(string title)
    {
        var (low, high) = (SmoothedLosses.Min(), SmoothedLosses.Max());
        return new LineChart(title, "learning rate (log scale)", "training loss",
        [
            new ChartSeries("loss of the batch", Rates, Losses, SeriesStyle.Markers),
            new ChartSeries("smoothed", Rates, SmoothedLosses),
            new ChartSeries($"suggested {SuggestedRate:G2}", [SuggestedRate, SuggestedRate], [low, high]),
        ], LogX: true);
    }
}

/// <summary>
/// Chapter 5's learning-rate finder: train one batch at each of a run of rates growing geometrically,
/// from a very small one upward, reading each batch's loss, over at most one epoch; stop once the loss is
/// non-finite or its smoothed value passes four times its minimum (as fastai's finder does), since the
/// rates beyond only diverge further. Divergence ends the sweep; it is not an error. The model is trained
/// along the way, so a sweep gets a run of its own.
/// </summary>
public static class LearningRateFinder
{
    public const double DefaultStartRate = 1e-7;
    public const double DefaultEndRate = 10;
    public const int DefaultSteps = 100;

    /// <summary>fastai's smoothing of the loss: an exponential moving average with this weight on the past, debiased.</summary>
    private const double Smoothing = 0.98;

    /// <summary>The sweep stops once the smoothed loss exceeds this multiple of its minimum.</summary>
    private const double DivergenceFactor = 4;

    public static LearningRateSweep Sweep(Learner learner, double startRate = DefaultStartRate, double endRate = DefaultEndRate,
        int steps = DefaultSteps, CancellationToken cancellation = default)
    {
        if (!(startRate > 0) || !(endRate > startRate) || !double.IsFinite(endRate))
        {
            throw new InvalidInputException($"a sweep needs 0 < start rate < end rate, got {startRate} and {endRate}");
        }
        if (steps < 2)
        {
            throw new InvalidInputException($"a sweep needs at least 2 steps, got {steps}");
        }
        // At most one epoch: a sweep that needs more steps than there are batches covers the same rates in fewer.
        var planned = Math.Min(steps, learner.BatchesPerEpoch);
        if (planned < 2)
        {
            throw new InvalidInputException($"a sweep needs at least 2 batches in an epoch, but the data gives {learner.BatchesPerEpoch}");
        }
        var rates = new List<double>(planned);
        var losses = new List<double>(planned);
        var smoothed = new List<double>(planned);
        var average = 0.0;
        var ending = SweepEnding.Completed;
        learner.TrainBatchByBatch(
            batch => (float)RateOf(batch, planned, startRate, endRate),
            (batch, loss) =>
            {
                cancellation.ThrowIfCancellationRequested();
                if (!double.IsFinite(loss))
                {
                    ending = SweepEnding.NonFinite;
                    return false;
                }
                average = Smoothing * average + (1 - Smoothing) * loss;
                var debiased = average / (1 - Math.Pow(Smoothing, batch + 1));
                rates.Add(RateOf(batch, planned, startRate, endRate));
                losses.Add(loss);
                smoothed.Add(debiased);
                if (debiased > DivergenceFactor * smoothed.Min())
                {
                    ending = SweepEnding.Diverging;
                    return false;
                }
                return batch + 1 < planned;
            });
        if (smoothed.Count == 0)
        {
            throw new InvalidInputException($"the first rate of the sweep, {startRate:G3}, already gave a non-finite loss: start lower");
        }
        var best = smoothed.IndexOf(smoothed.Min());
        return new LearningRateSweep(rates, losses, smoothed, planned, ending, rates[best], smoothed[best], rates[best] / 10);
    }

    /// <summary>The rate of step <paramref name="step"/>: start * (end / start)^(step / (steps - 1)).</summary>
    private static double RateOf(int step, int steps, double startRate, double endRate) =>
        startRate * Math.Pow(endRate / startRate, step / (double)(steps - 1));
}
