using Descent.Engine.Data;
using Descent.Engine.Distributed;
using Descent.Engine.Layers;
using Descent.Engine.Losses;
using Descent.Engine.Models;
using Descent.Engine.Optimizers;

namespace Descent.Engine.Training;

/// <summary>
/// One training run built from a <see cref="TrainingSpec"/>: the model (seeded), its loss, optimizer and
/// schedule, the data on the device and the <see cref="Learner"/> that trains it an epoch at a time.
/// Built and disposed together; every caller that trains builds one, so there is one way to set a run up.
/// </summary>
public sealed class TrainingRun : IDisposable
{
    private readonly List<IDisposable> owned = [];

    /// <param name="test">
    /// A test set that is only reported, beside a validation set that chooses (a tree with valid/ and test/ folders); it is
    /// on the device for the whole run, so the memory plan counts it.
    /// </param>
    /// <param name="group">The processes that train this model together, each on its share of every batch; alone by default.</param>
    public TrainingRun(Kernels.ComputeBackend backend, TrainingSpec spec, ImageDataset train, ImageDataset valid, ImageDataset? test = null,
        ProcessGroup? group = null)
        : this(backend, spec, train, valid, test, null, group)
    {
    }

    /// <summary>A run with the batches a plan chose, built against the plan's counting backend (so it plans nothing itself).</summary>
    internal TrainingRun(Kernels.ComputeBackend backend, TrainingSpec spec, ImageDataset train, ImageDataset valid, ImageDataset? test,
        BatchShape? plannedBatches, ProcessGroup? group = null)
    {
        if (train.Features != spec.InputFeatures || valid.Features != spec.InputFeatures || (test is not null && test.Features != spec.InputFeatures))
        {
            throw new Kernels.InvalidInputException(
                $"the spec's input is {string.Join('x', spec.InputShape)} ({spec.InputFeatures} features) but the data has {train.Features}");
        }
        Spec = spec;
        Backend = backend;
        RefuseUnnormalisableBatches(spec.Model.Graph, train.Count, spec.BatchSize, group ?? ProcessGroup.Alone);
        // Refuses what does not fit before the first allocation.
        // The plan's own run against its counting backend is not planned again (it is the plan being made).
        Plan = plannedBatches is null ? MemoryPlan.For(backend, spec, train, valid, test, (group ?? ProcessGroup.Alone).Size) : null!;
        var batches = plannedBatches ?? Plan.Batches;
        try
        {
            Model = Own(spec.Model.Build(backend, spec.Seed));
            Loss = LossFunction.Parse(spec.Loss).WithLabelSmoothing(spec.LabelSmoothing);
            Optimizer = Own(OptimizerFactory.Create(spec.Optimizer.Kind, backend, Model.Parameters, spec.Optimizer.Momentum,
                spec.Optimizer.WeightDecay, spec.Optimizer.Nesterov, spec.Optimizer.DecayScope));
            Schedule = LearningRateSchedule.Create(spec.Schedule.Kind, spec.Schedule.LearningRate, spec.Schedule.StepSize,
                spec.Schedule.Gamma, spec.Schedule.Epochs);
            var trainOnDevice = Own(new DeviceDataset(backend, train));
            var validOnDevice = ReferenceEquals(train, valid) ? trainOnDevice : Own(new DeviceDataset(backend, valid));
            var testOnDevice = test is null ? null : Own(new DeviceDataset(backend, test));
            Learner = Own(new Learner(backend, Model, Loss, Optimizer, Schedule, trainOnDevice, validOnDevice, batches, spec.Seed,
                spec.Normalization, train.Shape, spec.Augmentation, testOnDevice, group));
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>
    /// A batch normalisation refuses a training batch of one value per channel; the epoch's batches are known here, its
    /// last and shortest included, so such a run is refused before its first step rather than in the middle of an epoch.
    /// With several ranks it is the smallest share a rank normalises (a rank without rows normalises nothing), and every
    /// rank, given the same options and data, refuses alike.
    /// </summary>
    private static void RefuseUnnormalisableBatches(ModelGraph graph, int trainItems, int batchSize, ProcessGroup group)
    {
        var ranks = group.Size;
        var full = Math.Min(batchSize, trainItems);
        var smallestBatch = full > 0 && trainItems % full is var remainder and > 0 ? remainder : full;
        var smallest = Math.Min(SmallestShare(full, ranks), SmallestShare(smallestBatch, ranks));
        foreach (var node in graph.Nodes)
        {
            if (node.Spec is BatchNormLayerSpec && BatchNormLayerSpec.TrainingBatchProblem(node.InputShape, smallest) is { } problem)
            {
                throw ranks == 1
                    ? new Kernels.InvalidInputException($"{problem} (the epoch's smallest batch has {smallest} of {trainItems} items)")
                    : group.RefuseTogether(
                        $"{problem} (the smallest share of a batch one of the {ranks} ranks trains on has {smallest} rows; {trainItems} items)");
            }
        }
    }

    /// <summary>The fewest rows a rank that has any trains of a batch of <paramref name="rows"/> (shares differ by at most one).</summary>
    private static int SmallestShare(int rows, int ranks) => rows < ranks ? Math.Min(rows, 1) : rows / ranks;

    public TrainingSpec Spec { get; }

    public Kernels.ComputeBackend Backend { get; }

    /// <summary>Every buffer the run allocates, sized and checked against the backend before any was.</summary>
    public MemoryPlan Plan { get; }

    public Network Model { get; } = null!;

    public LossFunction Loss { get; } = null!;

    public Optimizer Optimizer { get; } = null!;

    public LearningRateSchedule Schedule { get; } = null!;

    public Learner Learner { get; } = null!;

    /// <summary>
    /// Puts the run where <paramref name="checkpoint"/> left it: the weights, the optimizer's buffers and
    /// step count, and the epochs done (which fix the next epoch's shuffle and rate). The checkpoint's spec
    /// must be this run's, so that the result matches a run never interrupted, bit for bit.
    /// </summary>
    public void Restore(Checkpoints.Checkpoint checkpoint)
    {
        ModelWeights.Import(Backend, Model, checkpoint.Model, checkpoint.Folder);
        Optimizer.ImportState(checkpoint.OptimizerState, checkpoint.OptimizerSteps, checkpoint.Folder);
        Learner.Restore(checkpoint.State.Epoch);
    }

    public void Dispose()
    {
        for (var i = owned.Count - 1; i >= 0; i--)
        {
            owned[i].Dispose();
        }
        owned.Clear();
    }

    private T Own<T>(T item) where T : IDisposable
    {
        owned.Add(item);
        return item;
    }
}
