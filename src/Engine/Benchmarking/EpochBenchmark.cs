using System.Diagnostics;
using Descent.Engine.Data;
using Descent.Engine.Losses;
using Descent.Engine.Models;
using Descent.Engine.Optimizers;
using Descent.Engine.Training;
using Descent.Kernels;

namespace Descent.Engine.Benchmarking;

/// <summary>
/// What `descent bench` trains: a model of the --layers grammar on MNIST with plain SGD, the data in device
/// memory, training only, in the configurations the libtorch peer figures were taken with: the MLP
/// (784-128-10, batch 128, lr 0.1, no momentum) and PyTorch's MNIST example CNN (batch 64, lr 0.05, dropout on).
/// </summary>
public sealed record BenchmarkConfig(string Layers, int BatchSize, float LearningRate, int TimedEpochs, int Seed)
{
    public static BenchmarkConfig Default { get; } = new("784-128-10", 128, 0.1f, 5, 42);

    /// <summary>The CNN of --arch cnn: an epoch takes minutes on a CPU, so one is timed.</summary>
    public static BenchmarkConfig Cnn { get; } = new(
        ModelSpec.Cnn(new FeatureShape(1, 28, 28), 10).LayersText, 64, 0.05f, 1, 42);

    /// <summary>The configurations by the name `descent bench --arch` gives them.</summary>
    public static IReadOnlyDictionary<string, BenchmarkConfig> ByArch { get; } = new Dictionary<string, BenchmarkConfig>
    {
        [Architecture.Mlp.Name] = Default,
        [Architecture.Cnn.Name] = Cnn,
    };

    /// <summary>The benchmark's model: --layers' grammar, ReLU after each hidden layer where the layers name no activation.</summary>
    public ModelSpec Model => ModelSpec.Parse(Layers, Activation.Relu, activationGiven: false);

    /// <summary>The run this benchmark times: cross-entropy, plain SGD at a constant rate, one warm-up epoch then the timed ones.</summary>
    public TrainingSpec Spec(ImageDataset train) => new TrainingSpec("mnist", [1, train.ImageRows, train.ImageCols],
        Model, LossFunction.CrossEntropy.Name,
        new OptimizerSettings(OptimizerKind.Sgd, 0f, 0f), new ScheduleSettings(ScheduleKind.Constant, LearningRate, 1, 1f, TimedEpochs + 1),
        BatchSize, Seed, Normalization: Models.Architecture.DefaultNormalization(Model)).ForData(train);
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
