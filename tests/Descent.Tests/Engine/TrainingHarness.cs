using Descent.Engine.Data;
using Descent.Engine.Losses;
using Descent.Engine.Models;
using Descent.Engine.Optimizers;
using Descent.Engine.Training;
using Descent.Kernels;

namespace Descent.Tests.Engine;

/// <summary>A model, its optimizer, the data on the device and a learner, built and disposed together.</summary>
public sealed class TrainingHarness : IDisposable
{
    private readonly List<IDisposable> owned = [];

    public TrainingHarness(ComputeBackend backend, DatasetSplits data, ModelSpec spec, LossFunction loss,
        float learningRate, int batchSize, int seed, float momentum = 0f)
    {
        var model = Own(spec.Build(backend, seed));
        var optimizer = Own(new Sgd(backend, model.Parameters, momentum));
        var train = Own(new DeviceDataset(backend, data.Train));
        var valid = Own(new DeviceDataset(backend, data.Valid));
        Learner = Own(new Learner(backend, model, loss, optimizer, LearningRateSchedule.Constant(learningRate), train, valid, batchSize, seed));
    }

    public Learner Learner { get; }

    /// <summary>A seeded subset of <paramref name="count"/> items, in a random but fixed order.</summary>
    public static ImageDataset Subset(ImageDataset data, int count, int seed)
    {
        var indices = Enumerable.Range(0, data.Count).ToArray();
        new Random(seed).Shuffle(indices);
        return data.Subset(indices[..count]);
    }

    public void Dispose()
    {
        for (var i = owned.Count - 1; i >= 0; i--)
        {
            owned[i].Dispose();
        }
    }

    private T Own<T>(T item) where T : IDisposable
    {
        owned.Add(item);
        return item;
    }
}
