using System.Diagnostics;
using Descent.Engine.Data;
using Descent.Engine.Losses;
using Descent.Engine.Models;
using Descent.Engine.Optimizers;
using Descent.Engine.Training;
using Descent.Kernels;

namespace Descent.Engine.Lesson;

/// <summary>
/// What every step runs with: the backend, the data, the seed and the token that stops it between
/// batches. Steps build their runs here, so that every one is a <see cref="TrainingRun"/> built from a
/// <see cref="TrainingSpec"/>, the engine's one way of training.
/// </summary>
public sealed class LessonContext(ComputeBackend backend, LessonData data, int seed, CancellationToken cancellation = default)
{
    public ComputeBackend Backend { get; } = backend;

    public LessonData Data { get; } = data;

    public int Seed { get; } = seed;

    public CancellationToken Cancellation { get; } = cancellation;

    /// <summary>A plain SGD run at a constant rate, as the book's steps train.</summary>
    public TrainingSpec Spec(DatasetName dataset, DatasetSplits splits, ModelSpec model, LossFunction loss, float learningRate,
        int batchSize, int epochs, float momentum = 0f) =>
        new(dataset.Name, [1, splits.Train.ImageRows, splits.Train.ImageCols], model, loss.Name,
            new OptimizerSettings(OptimizerKind.Sgd, momentum, 0f),
            new ScheduleSettings(ScheduleKind.Constant, learningRate, 1, 1f, Math.Max(epochs, 1)), batchSize, Seed);

    public TrainingRun Run(TrainingSpec spec, DatasetSplits splits) => new(Backend, spec, splits.Train, splits.Valid);

    /// <summary>Trains <paramref name="epochs"/> more epochs of <paramref name="run"/>, evaluating after each; stops between batches when cancelled.</summary>
    public IEnumerable<EpochRecord> Epochs(TrainingRun run, int epochs)
    {
        var learner = run.Learner;
        for (var i = 0; i < epochs; i++)
        {
            var clock = Stopwatch.StartNew();
            var trained = learner.TrainEpoch(_ => Cancellation.ThrowIfCancellationRequested());
            var evaluated = learner.Evaluate();
            yield return new EpochRecord(learner.EpochsDone, trained.MeanLoss, evaluated.MeanLoss, evaluated.Accuracy, clock.Elapsed.TotalSeconds);
        }
    }
}
