using Descent.Engine.Data;
using Descent.Engine.Losses;
using Descent.Engine.Models;
using Descent.Kernels;
using Descent.Kernels.Ilgpu;
using Descent.Tests.Data;
using Xunit;

namespace Descent.Tests.Engine;

/// <summary>
/// The lesson's models learn on a seeded subset of the real 3-vs-7 set, on ILGPU's CPU accelerator,
/// and the same seed gives bit-identical losses.
/// </summary>
public sealed class LearningTests
{
    [SkippableFact]
    public async Task The_linear_model_passes_95_percent_on_3s_and_7s()
    {
        var data = await SubsetAsync(trainItems: 4000, validItems: 1000);
        using var backend = IlgpuBackend.CreateCpu();
        // The lesson's from-scratch model and settings: N(0, 1) init, mnist_loss, batch 256, lr 1.0.
        using var harness = new TrainingHarness(backend, data, ModelSpec.Linear(1), LossFunction.Mnist, 1.0f, 256, seed: 7);

        var accuracy = 0.0;
        for (var epoch = 0; epoch < 20; epoch++)
        {
            harness.Learner.TrainEpoch();
            accuracy = harness.Learner.Evaluate().Accuracy;
        }

        Assert.True(accuracy >= 0.95, $"validation accuracy {accuracy:F4} after 20 epochs");
    }

    [SkippableFact]
    public async Task Simple_net_passes_95_percent_on_3s_and_7s()
    {
        var data = await SubsetAsync(trainItems: 2000, validItems: 1000);
        using var backend = IlgpuBackend.CreateCpu();
        // simple_net: 784-30-1 with ReLU and mnist_loss; smaller batches than the lesson's 256 give a
        // subset this size enough steps.
        using var harness = new TrainingHarness(backend, data, ModelSpec.Simple(1, Activation.Relu), LossFunction.Mnist, 0.5f, 32, seed: 7);

        var accuracy = 0.0;
        for (var epoch = 0; epoch < 5; epoch++)
        {
            harness.Learner.TrainEpoch();
            accuracy = harness.Learner.Evaluate().Accuracy;
        }

        Assert.True(accuracy >= 0.95, $"validation accuracy {accuracy:F4} after 5 epochs");
    }

    [SkippableFact]
    public async Task The_same_seed_gives_bit_identical_losses()
    {
        var data = await SubsetAsync(trainItems: 1000, validItems: 500);

        var first = Losses(data);
        var second = Losses(data);

        Assert.Equal(first, second);
        Assert.All(first, loss => Assert.True(double.IsFinite(loss)));
    }

    private static double[] Losses(DatasetSplits data)
    {
        using var backend = IlgpuBackend.CreateCpu();
        using var harness = new TrainingHarness(backend, data, ModelSpec.Simple(1, Activation.Relu), LossFunction.Mnist, 0.1f, 64, seed: 3);
        var losses = new List<double>();
        for (var epoch = 0; epoch < 2; epoch++)
        {
            losses.Add(harness.Learner.TrainEpoch().MeanLoss);
            losses.Add(harness.Learner.Evaluate().MeanLoss);
        }
        return [.. losses];
    }

    private static async Task<DatasetSplits> SubsetAsync(int trainItems, int validItems)
    {
        var full = await MnistFixture.ThreesAndSevensAsync();
        return new DatasetSplits(
            TrainingHarness.Subset(full.Train, trainItems, seed: 11),
            TrainingHarness.Subset(full.Valid, validItems, seed: 12));
    }
}
