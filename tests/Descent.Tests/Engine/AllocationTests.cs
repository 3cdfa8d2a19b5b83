using Descent.Engine.Data;
using Descent.Engine.Losses;
using Descent.Engine.Models;
using Descent.Kernels;
using Descent.Kernels.Ilgpu;
using Descent.Tests.Data;
using Xunit;

namespace Descent.Tests.Engine;

/// <summary>Runs alone, so that no other test's allocations land in the process-wide count.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class AllocationCollection
{
    public const string Name = "allocation (runs alone)";
}

/// <summary>A steady-state training epoch allocates no managed memory, process-wide.</summary>
[Collection(AllocationCollection.Name)]
public sealed class AllocationTests
{
    [SkippableFact]
    public async Task A_steady_state_epoch_allocates_nothing()
    {
        var full = await MnistFixture.ThreesAndSevensAsync();
        var data = new DatasetSplits(TrainingHarness.Subset(full.Train, 512, seed: 1), TrainingHarness.Subset(full.Valid, 256, seed: 2));
        using var backend = IlgpuBackend.CreateCpu();
        using var harness = new TrainingHarness(backend, data, ModelSpec.Simple(1, Activation.Relu), LossFunction.Mnist, 0.1f, 64, seed: 5, momentum: 0.9f);
        var batchesSeen = 0;
        void Count(int queued) => batchesSeen = queued;
        Action<int> progress = Count;

        // The first epoch compiles kernels and warms every cache.
        harness.Learner.TrainEpoch(progress);
        harness.Learner.Evaluate();

        var before = GC.GetTotalAllocatedBytes(precise: true);
        harness.Learner.TrainEpoch(progress);
        harness.Learner.TrainEpoch(progress);
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - before;

        Assert.Equal(harness.Learner.BatchesPerEpoch, batchesSeen);
        Assert.True(allocated == 0, $"two epochs of {harness.Learner.BatchesPerEpoch} steps allocated {allocated} bytes");
    }
}
