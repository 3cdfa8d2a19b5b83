using Descent.Kernels;
using Xunit;

namespace Descent.Tests.Vulkan;

/// <summary>
/// Recorded work goes to the device in submissions of a bounded number of commands, each as soon as it
/// is full, while the host still waits only once: here with the bound forced down to a few commands, so
/// that dependent work crosses submission boundaries (under synchronization validation) and the ring of
/// command buffers wraps.
/// </summary>
public sealed class VulkanSubmissionTests
{
    [SkippableTheory]
    [InlineData(true)]
    [InlineData(false)]
    public void Work_goes_out_in_submissions_of_the_bound_and_the_host_waits_once(bool mapDeviceMemory)
    {
        using var backend = VulkanAvailability.CreateValidated(mapDeviceMemory);
        using var x = backend.Allocate<float>(64);
        backend.Synchronize();
        backend.CommandsPerSubmission = 3;
        var submissions = backend.Submissions;
        var hostWaits = backend.HostWaits;

        // Ten commands, each reading or writing what the one before wrote.
        for (var i = 1; i <= 5; i++)
        {
            backend.Fill(x, -i, 0, 64);
            backend.ActivationForward(Activation.Tanh, x, x, 64);
        }
        var result = new float[64];
        backend.Download<float>(x, result);

        // 3 + 3 + 3, then the tenth with the download's copy where there is one.
        Assert.Equal(4, backend.Submissions - submissions);
        Assert.Equal(1, backend.HostWaits - hostWaits);
        Assert.All(result, value => Assert.Equal(MathF.Tanh(-5), value, 1e-6f));
        Assert.Empty(backend.ValidationMessages);
    }

    [SkippableTheory]
    [InlineData(true)]
    [InlineData(false)]
    public void Epochs_in_many_small_submissions_train_exactly_as_in_one(bool mapDeviceMemory)
    {
        using var whole = new VulkanTraining(VulkanAvailability.CreateValidated(mapDeviceMemory));
        whole.Backend.CommandsPerSubmission = int.MaxValue;
        using var split = new VulkanTraining(VulkanAvailability.CreateValidated(mapDeviceMemory));
        split.Backend.CommandsPerSubmission = 3;

        for (var epoch = 0; epoch < 2; epoch++)
        {
            var wholeSubmissions = whole.Backend.Submissions;
            var splitSubmissions = split.Backend.Submissions;
            var splitHostWaits = split.Backend.HostWaits;

            var expected = whole.Learner.TrainEpoch();
            var actual = split.Learner.TrainEpoch();

            Assert.Equal(expected, actual);
            Assert.Equal(1, whole.Backend.Submissions - wholeSubmissions);
            // Each of the 16 steps records more than 3 commands.
            Assert.True(split.Backend.Submissions - splitSubmissions >= 16,
                $"epoch {epoch + 1} went out in {split.Backend.Submissions - splitSubmissions} submissions");
            Assert.Equal(1, split.Backend.HostWaits - splitHostWaits);
        }
        // The ring of command buffers wrapped: older submissions were waited for only to reuse their buffers.
        Assert.True(split.Backend.RecycleWaits > 0);
        Assert.Equal(whole.Learner.Evaluate(), split.Learner.Evaluate());
        Assert.Equal(whole.Parameters(), split.Parameters());
        Assert.Empty(whole.Backend.ValidationMessages);
        Assert.Empty(split.Backend.ValidationMessages);
    }
}
