using Descent.Kernels;

namespace Descent.Engine.Optimizers;

/// <summary>The schedules a run can choose; the command line's choices are these members' names.</summary>
public enum ScheduleKind
{
    Constant,
    Step,
    Cosine,
}

/// <summary>
/// The learning rate for each epoch (counted from 0): constant, step decay or cosine. <see cref="Check"/> holds the
/// rules of the settings, so a spec can be validated before its run is built; <see cref="Create"/> builds the schedule once.
/// </summary>
public abstract class LearningRateSchedule
{
    private LearningRateSchedule(float baseRate) => BaseRate = baseRate;

    public float BaseRate { get; }

    public abstract string Name { get; }

    public abstract float RateForEpoch(int epoch);

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
                if (CosineEpochs(epochs) <= 0)
                {
                    throw new InvalidInputException($"a cosine schedule needs a positive number of epochs, got {epochs}");
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
    /// PyTorch's CosineAnnealingLR.
    /// </param>
    public static LearningRateSchedule Create(ScheduleKind kind, float rate, int stepSize, float gamma, int epochs)
    {
        Check(kind, rate, stepSize, gamma, epochs);
        return kind switch
        {
            ScheduleKind.Step => new StepSchedule(rate, stepSize, gamma),
            ScheduleKind.Cosine => new CosineSchedule(rate, CosineEpochs(epochs)),
            _ => new ConstantSchedule(rate),
        };
    }

    /// <summary>A run of 0 epochs (one that only evaluates) plans its cosine over one.</summary>
    private static int CosineEpochs(int epochs) => Math.Max(epochs, 1);

    private sealed class ConstantSchedule(float rate) : LearningRateSchedule(rate)
    {
        public override string Name => "constant";

        public override float RateForEpoch(int epoch) => BaseRate;
    }

    private sealed class StepSchedule(float rate, int stepSize, float gamma) : LearningRateSchedule(rate)
    {
        public override string Name => "step";

        public override float RateForEpoch(int epoch) => (float)(BaseRate * Math.Pow(gamma, epoch / stepSize));
    }

    private sealed class CosineSchedule(float rate, int epochs) : LearningRateSchedule(rate)
    {
        public override string Name => "cosine";

        public override float RateForEpoch(int epoch) => (float)(BaseRate * 0.5 * (1 + Math.Cos(Math.PI * epoch / epochs)));
    }
}
