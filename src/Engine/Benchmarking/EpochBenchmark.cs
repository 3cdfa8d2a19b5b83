using System.Diagnostics;
using Descent.Engine.Data;
using Descent.Engine.Models;
using Descent.Engine.Optimizers;
using Descent.Engine.Training;
using Descent.Kernels;

namespace Descent.Engine.Benchmarking;

/// <summary>
/// What `descent bench` trains unless told otherwise: an architecture with the training defaults the libtorch peer
/// figures were taken with (data in device memory, training only), and how many epochs are timed after the warm-up.
/// The run itself is a <see cref="TrainingSpec"/> built as `descent train` builds one; only these defaults differ.
/// </summary>
public sealed record BenchmarkRecipe(Architecture Architecture, int TimedEpochs)
{
    /// <summary>The MLP (784-128-10, batch 128) with plain SGD at lr 0.1, no momentum; five epochs timed.</summary>
    public static BenchmarkRecipe Mlp { get; } = new(Architecture.Mlp with { LearningRate = 0.1f, Momentum = 0f }, 5);

    /// <summary>
    /// PyTorch's MNIST example CNN (batch 64, dropout on) with plain SGD at a constant lr 0.05, not its recipe's
    /// Adadelta: an epoch takes minutes on a CPU, so one is timed.
    /// </summary>
    public static BenchmarkRecipe Cnn { get; } = new(
        Architecture.Cnn with { LearningRate = 0.05f, Optimizer = OptimizerKind.Sgd, Schedule = ScheduleKind.Constant }, 1);

    /// <summary>
    /// --arch resnet (depth 20 unless --depth) with its own training recipe, augmentation included, as `descent train` runs
    /// it: an epoch of 60000 images takes minutes on a CPU, so one is timed.
    /// </summary>
    public static BenchmarkRecipe Resnet { get; } = new(Architecture.Resnet, 1);

    /// <summary>The recipes, one per architecture `descent bench --arch` offers.</summary>
    public static IReadOnlyList<BenchmarkRecipe> All { get; } = [Mlp, Cnn, Resnet];

    /// <summary>The recipe of <paramref name="architecture"/>'s family (at any --depth).</summary>
    public static BenchmarkRecipe For(Architecture architecture) => All.First(recipe => recipe.Architecture.IsFamily(architecture));

    /// <summary>The epochs a benchmark's run is planned over: one untimed warm-up epoch, then the timed ones.</summary>
    public static int PlannedEpochs(int timedEpochs) => timedEpochs + 1;
}

/// <summary>One backend's figures: mean wall-clock seconds per training epoch and the images per second that makes.</summary>
public sealed record BenchmarkResult(string Backend, string Device, double SecondsPerEpoch, double ImagesPerSecond, int EpochsTimed);

/// <summary>
/// Times whole training epochs as `descent train` runs them (gather, forward, fused loss, backward,
/// update, the epoch's metrics read back once), after one untimed warm-up epoch that pays for JIT
/// compilation, kernel compilation and first-touch page faults.
/// </summary>
public static class EpochBenchmark
{
    /// <param name="epochDone">Told each timed epoch's number and seconds, as it finishes.</param>
    /// <param name="spec">The run, validated and filled in for <paramref name="train"/>.</param>
    public static BenchmarkResult Run(ComputeBackend backend, TrainingSpec spec, ImageDataset train, int timedEpochs,
        Action<int, double>? epochDone = null)
    {
        if (timedEpochs <= 0)
        {
            throw new InvalidInputException($"a benchmark times at least one epoch, got {timedEpochs}");
        }
        // Training never evaluates here, so the training set stands in for the validation set.
        using var run = new TrainingRun(backend, spec, train, train);
        var learner = run.Learner;

        learner.TrainEpoch();
        var total = 0.0;
        for (var epoch = 1; epoch <= timedEpochs; epoch++)
        {
            var clock = Stopwatch.StartNew();
            // TrainEpoch reads the epoch's metrics back, so every queued op has finished when it returns.
            learner.TrainEpoch();
            var seconds = clock.Elapsed.TotalSeconds;
            total += seconds;
            epochDone?.Invoke(epoch, seconds);
        }
        var secondsPerEpoch = total / timedEpochs;
        return new BenchmarkResult(backend.Name, backend.DeviceDescription, secondsPerEpoch, train.Count / secondsPerEpoch,
            timedEpochs);
    }
}
