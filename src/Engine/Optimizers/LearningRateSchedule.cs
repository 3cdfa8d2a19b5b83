using Descent.Kernels;

namespace Descent.Engine.Optimizers;

/// <summary>The schedules a run can choose; the command line's choices are these members' names.</summary>
public enum ScheduleKind
{
    Constant,
    Step,
    Cosine,
}

/// <summary>The learning rate for each epoch (counted from 0): constant, step decay or cosine.</summary>
public abstract class LearningRateSchedule
{
    protected LearningRateSchedule(float baseRate)
    {
        if (!(baseRate > 0f) || !float.IsFinite(baseRate))
        {
            throw new InvalidInputException($"the learning rate must be positive, got {baseRate}");
        }
        BaseRate = baseRate;
    }

    public float BaseRate { get; }

    public abstract string Name { get; }

    public abstract float RateForEpoch(int epoch);

    /// <param name="stepSize">Epochs between decays, for <see cref="ScheduleKind.Step"/>.</param>
    /// <param name="gamma">Decay factor, for <see cref="ScheduleKind.Step"/>.</param>
    /// <param name="epochs">Length of the run, for <see cref="ScheduleKind.Cosine"/> (at least 1).</param>
    public static LearningRateSchedule Create(ScheduleKind kind, float rate, int stepSize, float gamma, int epochs) => kind switch
    {
        ScheduleKind.Constant => Constant(rate),
        ScheduleKind.Step => Step(rate, stepSize, gamma),
        ScheduleKind.Cosine => Cosine(rate, Math.Max(epochs, 1)),
        _ => throw new InvalidInputException($"unknown schedule {kind}"),
    };

    public static LearningRateSchedule Constant(float rate) => new ConstantSchedule(rate);

    /// <summary>rate * gamma^(epoch / stepSize), as PyTorch's StepLR.</summary>
    public static LearningRateSchedule Step(float rate, int stepSize, float gamma) => new StepSchedule(rate, stepSize, gamma);

    /// <summary>Half a cosine from rate down to 0 over <paramref name="epochs"/>, as PyTorch's CosineAnnealingLR.</summary>
    public static LearningRateSchedule Cosine(float rate, int epochs) => new CosineSchedule(rate, epochs);

    private sealed class ConstantSchedule(float rate) : LearningRateSchedule(rate)
    {
        public override string Name => "constant";

        public override float RateForEpoch(int epoch) => BaseRate;
    }

    private sealed class StepSchedule : LearningRateSchedule
    {
        private readonly int stepSize;
        private readonly float gamma;

        public StepSchedule(float rate, int stepSize, float gamma) : base(rate)
        {
            if (stepSize <= 0)
            {
                throw new InvalidInputException($"the step size must be positive, got {stepSize}");
            }
            if (!(gamma > 0f) || gamma > 1f)
            {
                throw new InvalidInputException($"gamma must be in (0, 1], got {gamma}");
            }
            this.stepSize = stepSize;
            this.gamma = gamma;
        }

        public override string Name => "step";

        public override float RateForEpoch(int epoch) => (float)(BaseRate * Math.Pow(gamma, epoch / stepSize));
    }

    private sealed class CosineSchedule : LearningRateSchedule
    {
        private readonly int epochs;

        public CosineSchedule(float rate, int epochs) : base(rate)
        {
            if (epochs <= 0)
            {
                throw new InvalidInputException($"a cosine schedule needs a positive number of epochs, got {epochs}");
            }
            this.epochs = epochs;
        }

        public override string Name => "cosine";

        public override float RateForEpoch(int epoch) => (float)(BaseRate * 0.5 * (1 + Math.Cos(Math.PI * epoch / epochs)));
    }
}
