using Descent.Engine.Data;
using Descent.Engine.Losses;
using Descent.Engine.Models;
using Descent.Engine.Optimizers;
using Descent.Engine.Training;
using Descent.Kernels;

namespace Descent.Tests.Engine;

/// <summary>A training run for the tests: SGD at a constant rate on a dataset split, through the engine's one way of building a run.</summary>
public sealed class TrainingHarness : IDisposable
{
    private readonly TrainingRun run;

    public TrainingHarness(ComputeBackend backend, DatasetSplits data, ModelSpec spec, LossFunction loss,
        float learningRate, int batchSize, int seed, float momentum = 0f)
    {
        var training = new TrainingSpec("test", [1, data.Train.ImageRows, data.Train.ImageCols], spec, loss.Name,
            new OptimizerSettings(OptimizerKind.Sgd, momentum, 0f), new ScheduleSettings(ScheduleKind.Constant, learningRate, 1, 1f, 1),
            batchSize, seed);
        run = new TrainingRun(backend, training, data.Train, data.Valid);
    }

    public Learner Learner => run.Learner;

    /// <summary>A seeded subset of <paramref name="count"/> items, in a random but fixed order.</summary>
    public static ImageDataset Subset(ImageDataset data, int count, int seed)
    {
        var indices = Enumerable.Range(0, data.Count).ToArray();
        new Random(seed).Shuffle(indices);
        return data.Subset(indices[..count]);
    }

    public void Dispose() => run.Dispose();
}
