using Descent.Engine.Data;
using Descent.Engine.Losses;
using Descent.Engine.Models;
using Descent.Engine.Training;
using Descent.Kernels;
using Descent.Kernels.Ilgpu;
using Descent.Tests.Data;
using Descent.Tests.Engine;
using Xunit;

namespace Descent.Tests.Vulkan;

/// <summary>
/// The same training on two backends gives the same numbers: one epoch of the lesson's linear model on a
/// seeded subset of the real 3-vs-7 set, on ILGPU's CPU accelerator and on Vulkan (under the validation
/// layer). The two differ only in float rounding (the order of additions is the same), so the losses
/// agree to a few float ulps, far inside the tolerance.
/// </summary>
public sealed class CrossBackendTests
{
    private const double RelativeTolerance = 1e-4;

    [SkippableFact]
    public async Task One_epoch_of_the_linear_model_gives_the_same_losses_on_ilgpu_cpu_and_vulkan()
    {
        var full = await MnistFixture.ThreesAndSevensAsync();
        var data = new DatasetSplits(
            TrainingHarness.Subset(full.Train, 2000, seed: 11),
            TrainingHarness.Subset(full.Valid, 500, seed: 12));

        using var vulkan = VulkanAvailability.CreateValidated();
        var onVulkan = OneEpoch(vulkan, data);
        Assert.Empty(vulkan.ValidationMessages);
        using var ilgpu = IlgpuBackend.CreateCpu();
        var onIlgpu = OneEpoch(ilgpu, data);

        AssertClose(onIlgpu.Train.MeanLoss, onVulkan.Train.MeanLoss, "training loss");
        AssertClose(onIlgpu.Valid.MeanLoss, onVulkan.Valid.MeanLoss, "validation loss");
        Assert.Equal(onIlgpu.Train.Accuracy, onVulkan.Train.Accuracy, 0.002);
        Assert.Equal(onIlgpu.Valid.Accuracy, onVulkan.Valid.Accuracy, 0.002);
    }

    private static (EpochMetrics Train, EpochMetrics Valid) OneEpoch(ComputeBackend backend, DatasetSplits data)
    {
        // The lesson's from-scratch linear model: N(0, 1) init, mnist_loss, batch 256, lr 1.0.
        using var harness = new TrainingHarness(backend, data, ModelSpec.Linear(1), LossFunction.Mnist, 1.0f, 256, seed: 7);
        var train = harness.Learner.TrainEpoch();
        return (train, harness.Learner.Evaluate());
    }

    private static void AssertClose(double expected, double actual, string what) =>
        Assert.True(Math.Abs(expected - actual) <= RelativeTolerance * Math.Max(1e-6, Math.Abs(expected)),
            $"{what}: ILGPU CPU {expected:R}, Vulkan {actual:R}");
}
