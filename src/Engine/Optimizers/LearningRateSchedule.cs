using Descent.Kernels;

namespace Descent.Engine.Optimizers;

/// <summary>The schedules a run can choose; the command line's choices are these members' names.</summary>
public enum ScheduleKind
{
    Constant,
    Step,
    Cosine,
    OneCycle,
}

/// <summary>
/// The learning rate for each step of a run: constant, step decay or cosine, which change it once an epoch, or one-cycle,
/// which changes it every step. <see cref="Check"/> holds the rules of the settings, so a spec can be validated before its
/// run is built; <see cref="Create"/> builds the schedule once.
/// </summary>
public abstract class LearningRateSchedule
{
    private LearningRateSchedule(float baseRate) => BaseRate = baseRate;

    public float BaseRate { get; }

    public abstract string Name { get; }

    /// <summary>
    /// The rate of global step <paramref name="step"/> (counted from 0 over the whole run) in a run of
    /// <paramref name="stepsPerEpoch"/> steps an epoch.
    /// </summary>
    public abstract float RateForStep(long step, int stepsPerEpoch);

    /// <summary>Whether the schedule is planned over the run's epochs, so that a resumed run must keep them.</summary>
    public static bool IsPlannedOverEpochs(ScheduleKind kind) => kind is ScheduleKind.Cosine or ScheduleKind.OneCycle;

    /// <summary>Refuses settings no schedule of <paramref name="kind"/> can run with; the parameters are <see cref="Create"/>'s.</summary>
    public static void Check(ScheduleKind kind, float rate, int stepSize, float gamma, int epochs)
    {
        if (!(rate > 0f) || !float.IsFinite(rate))
        {
            throw new InvalidInputException($"the learning rate must be positive, got {rate}");
        }
        switch (kind)
        {
            case ScheduleKind.Constant:
                break;
            case ScheduleKind.Step:
                if (stepSize <= 0)
                {
                    throw new InvalidInputException($"the step size must be positive, got {stepSize}");
                }
                if (!(gamma > 0f) || gamma > 1f)
                {
                    throw new InvalidInputException($"gamma must be in (0, 1], got {gamma}");
                }
                break;
            case ScheduleKind.Cosine:
            case ScheduleKind.OneCycle:
                if (CosineEpochs(epochs) <= 0)
                {
                    throw new InvalidInputException($"a {CliNames.Of(kind)} schedule needs a positive number of epochs, got {epochs}");
                }
                break;
            default:
                throw new InvalidInputException($"unknown schedule {kind}");
        }
    }

    /// <param name="stepSize">Epochs between decays, for <see cref="ScheduleKind.Step"/>: rate * gamma^(epoch / stepSize), as PyTorch's StepLR.</param>
    /// <param name="gamma">Decay factor, for <see cref="ScheduleKind.Step"/>.</param>
    /// <param name="epochs">
    /// Length of the run, for <see cref="ScheduleKind.Cosine"/>: half a cosine from rate down to 0 over it (at least 1), as
    /// PyTorch's CosineAnnealingLR; for <see cref="ScheduleKind.OneCycle"/>, the epochs its steps are planned over.
    /// </param>
    public static LearningRateSchedule Create(ScheduleKind kind, float rate, int stepSize, float gamma, int epochs)
    {
        Check(kind, rate, stepSize, gamma, epochs);
        return kind switch
        {
            ScheduleKind.Step => new StepSchedule(rate, stepSize, gamma),
            ScheduleKind.Cosine => new CosineSchedule(rate, CosineEpochs(epochs)),
            ScheduleKind.OneCycle => new OneCycleSchedule(rate, CosineEpochs(epochs)),
            _ => new ConstantSchedule(rate),
        };
    }

    /// <summary>A run of 0 epochs (one that only evaluates) plans its cosine over one.</summary>
    private static int CosineEpochs(int epochs) => Math.Max(epochs, 1);

    /// <summary>
    /// A schedule that changes the rate once an epoch: every step of epoch e gets the rate of e, computed as it was when
    /// the rate was asked for once an epoch, so runs under these schedules are what they were.
    /// </summary>
    private abstract class EpochSchedule(float rate) : LearningRateSchedule(rate)
    {
        public sealed override float RateForStep(long step, int stepsPerEpoch) => RateForEpoch((int)(step / stepsPerEpoch));

        /// <summary>The rate of an epoch, counted from 0.</summary>
        protected abstract float RateForEpoch(int epoch);
    }

    private sealed class ConstantSchedule(float rate) : EpochSchedule(rate)
    {
        public override string Name => "constant";

        protected override float RateForEpoch(int epoch) => BaseRate;
    }

    private sealed class StepSchedule(float rate, int stepSize, float gamma) : EpochSchedule(rate)
    {
        public override string Name => "step";

        protected override float RateForEpoch(int epoch) => (float)(BaseRate * Math.Pow(gamma, epoch / stepSize));
    }

    private sealed class CosineSchedule(float rate, int epochs) : EpochSchedule(rate)
    {
        public override string Name => "cosine";

        protected override float RateForEpoch(int epoch) => (float)(BaseRate * 0.5 * (1 + Math.Cos(Math.PI * epoch / epochs)));
    }

    /// <summary>
    /// PyTorch's OneCycleLR at its defaults, one step at a time over epochs x steps-per-epoch steps: from maxRate / 25 up to
    /// maxRate over the first 30% of the steps, then down to maxRate / 25 / 1e4 by the last, each phase half a cosine
    /// (anneal_strategy 'cos', two phases). OneCycleLR also cycles the momentum against the rate; that is not done here:
    /// the momentum stays the run's --momentum throughout.
    /// </summary>
    private sealed class OneCycleSchedule(float maxRate, int epochs) : LearningRateSchedule(maxRate)
    {
        private const double PercentStart = 0.3;
        private const double DivFactor = 25;
        private const double FinalDivFactor = 1e4;

        public override string Name => "one-cycle";

        public override float RateForStep(long step, int stepsPerEpoch)
        {
            var totalSteps = (long)epochs * stepsPerEpoch;
            var initialRate = BaseRate / DivFactor;
            var minimumRate = initialRate / FinalDivFactor;
            // OneCycleLR's phase ends, as it computes them: float(pct_start * total_steps) - 1, then total_steps - 1.
            var warmUpEnd = PercentStart * totalSteps - 1;
            var lastStep = (double)(totalSteps - 1);
            return step <= warmUpEnd
                ? (float)CosineAnneal(initialRate, BaseRate, step / warmUpEnd)
                : (float)CosineAnneal(BaseRate, minimumRate, (step - warmUpEnd) / (lastStep - warmUpEnd));
        }

        /// <summary>OneCycleLR's _annealing_cos: from start (fraction 0) to end (fraction 1) along half a cosine.</summary>
        private static double CosineAnneal(double start, double end, double fraction) => end + (start - end) / 2 * (Math.Cos(Math.PI * fraction) + 1);
    }
}
