using System.Diagnostics;
using Descent.Engine.Data;
using Descent.Engine.Training;
using Descent.Kernels;
using Descent.Kernels.Profiling;

namespace Descent.Engine.Benchmarking;

/// <summary>
/// Where a training step's time goes: each op's calls, time and work over the steps profiled, beside the step's wall
/// time with the profile on and off, so that what measuring costs is seen next to what it measured.
/// </summary>
/// <param name="Clock">Where the op times come from (<see cref="OpClock.Source"/>).</param>
/// <param name="Steps">Steps profiled (and, separately, timed without the profile) per round.</param>
/// <param name="ProfiledStepSeconds">The best round's wall time per step with every op timed.</param>
/// <param name="PlainStepSeconds">The best round's wall time per step on the backend itself, rounds alternating with the profiled ones.</param>
/// <param name="Ops">Each op called, in the backend interface's order, totalled over the profiled steps of the best round.</param>
public sealed record StepProfileResult(string Backend, string Device, string Clock, int Steps, double ProfiledStepSeconds,
    double PlainStepSeconds, IReadOnlyList<OpTotals> Ops)
{
    /// <summary>The profiled step's time over the plain step's, less one: what timing every op adds.</summary>
    public double Overhead => ProfiledStepSeconds / PlainStepSeconds - 1;

    /// <summary>The profiled steps' seconds that no op accounts for: the host's own work between ops.</summary>
    public double UnattributedSeconds => ProfiledStepSeconds * Steps - Ops.Sum(op => op.Seconds);
}

/// <summary>
/// Profiles training steps as `descent train` runs them (gather, forward, fused loss, backward, update), on a
/// <see cref="ProfilingBackend"/> over the backend, after untimed warm-up steps; the same steps on the backend alone
/// are timed in rounds that alternate with the profiled ones, so other load on the machine falls on both alike.
/// </summary>
public static class StepProfile
{
    /// <param name="spec">The run, validated and filled in for <paramref name="train"/>.</param>
    /// <param name="steps">Steps per round; at most an epoch's batches.</param>
    /// <param name="rounds">Rounds of each kind; the best of each is kept, since other load only ever slows a round.</param>
    public static StepProfileResult Run(ComputeBackend backend, TrainingSpec spec, ImageDataset train, int steps, int rounds = 3,
        int warmupSteps = 3)
    {
        if (steps <= 0 || rounds <= 0 || warmupSteps < 0)
        {
            throw new InvalidInputException($"a profile needs at least one step and one round, got {steps} steps and {rounds} rounds");
        }
        using var profiling = ProfilingBackend.Create(backend);
        // Training never evaluates here, so the training set stands in for the validation set.
        using var plain = new TrainingRun(backend, spec, train, train);
        using var profiled = new TrainingRun(profiling, spec, train, train);
        var batches = plain.Learner.BatchesPerEpoch;
        if (steps > batches)
        {
            throw new InvalidInputException($"a profile's steps are one epoch's at most: {batches} batches of {spec.BatchSize}, not {steps}");
        }
        var rate = spec.Schedule.LearningRate;
        Steps(plain.Learner, rate, Math.Max(warmupSteps, 1), collect: null);
        Steps(profiled.Learner, rate, Math.Max(warmupSteps, 1), profiling.Collect);

        var bestPlain = double.MaxValue;
        var bestProfiled = double.MaxValue;
        IReadOnlyList<OpTotals> ops = [];
        for (var round = 0; round < rounds; round++)
        {
            bestPlain = Math.Min(bestPlain, Steps(plain.Learner, rate, steps, collect: null));
            profiling.Reset();
            var seconds = Steps(profiled.Learner, rate, steps, profiling.Collect);
            if (seconds < bestProfiled)
            {
                bestProfiled = seconds;
                ops = profiling.Totals();
            }
        }
        return new StepProfileResult(backend.Name, backend.DeviceDescription, profiling.ClockSource, steps, bestProfiled / steps,
            bestPlain / steps, ops);
    }

    /// <summary>Runs <paramref name="steps"/> steps, each read back before the next (a step's loss); returns their wall time.</summary>
    private static double Steps(Learner learner, float rate, int steps, Action? collect)
    {
        var started = Stopwatch.GetTimestamp();
        learner.TrainBatchByBatch(_ => rate, (batch, _) =>
        {
            collect?.Invoke();
            return batch + 1 < steps;
        });
        return Stopwatch.GetElapsedTime(started).TotalSeconds;
    }
}
