using System.Diagnostics;
using Descent.Engine.Data;
using Descent.Engine.Losses;
using Descent.Engine.Models;
using Descent.Engine.Optimizers;
using Descent.Engine.Training;
using Descent.Kernels;

namespace Descent.Engine.Benchmarking;

/// <summary>
/// What `descent bench` trains: an MLP on MNIST with plain SGD, the configuration the libtorch peer
/// figures were taken with (784-128-10, batch 128, lr 0.1, no momentum), the data in device memory.
/// </summary>
public sealed record BenchmarkConfig(string Layers, int BatchSize, float LearningRate, int TimedEpochs, int Seed)
{
    public static BenchmarkConfig Default { get; } = new("784-128-10", 128, 0.1f, 5, 42);

    /// <summary>The run this benchmark times: ReLU MLP, cross-entropy, plain SGD at a constant rate, one warm-up epoch then the timed ones.</summary>
    public TrainingSpec Spec(ImageDataset train) => new("mnist", [1, train.ImageRows, train.ImageCols],
        ModelSpec.FromWidths(Layers, Activation.Relu), LossFunction.CrossEntropy.Name,
        new OptimizerSettings(OptimizerKind.Sgd, 0f, 0f), new ScheduleSettings(ScheduleKind.Constant, LearningRate, 1, 1f, TimedEpochs + 1),
        BatchSize, Seed);
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
    public static BenchmarkResult Run(ComputeBackend backend, ImageDataset train, BenchmarkConfig config, Action<int, double>? epochDone = null)
    {
        if (config.TimedEpochs <= 0)
        {
            throw new InvalidInputException($"a benchmark times at least one epoch, got {config.TimedEpochs}");
        }
        // Training never evaluates here, so the training set stands in for the validation set.
        using var run = new TrainingRun(backend, config.Spec(train), train, train);
        var learner = run.Learner;

        learner.TrainEpoch();
        var total = 0.0;
        for (var epoch = 1; epoch <= config.TimedEpochs; epoch++)
        {
            var clock = Stopwatch.StartNew();
            // TrainEpoch reads the epoch's metrics back, so every queued op has finished when it returns.
            learner.TrainEpoch();
            var seconds = clock.Elapsed.TotalSeconds;
            total += seconds;
            epochDone?.Invoke(epoch, seconds);
        }
        var secondsPerEpoch = total / config.TimedEpochs;
        return new BenchmarkResult(backend.Name, backend.DeviceDescription, secondsPerEpoch, train.Count / secondsPerEpoch,
            config.TimedEpochs);
    }
}
