using Descent.Tests.Data;
using Descent.Tests.Host;
using Xunit;

namespace Descent.Tests.Vulkan;

/// <summary>`descent` on the Vulkan backend: the check passes, and a batch the device cannot hold is refused up front.</summary>
public sealed class VulkanCommandTests
{
    [SkippableFact]
    public void Check_passes_on_vulkan()
    {
        VulkanAvailability.CreateValidated().Dispose();

        var outcome = CommandLine.Run("check", "--backend", "vulkan", "--filter", "gemm");

        Assert.Equal(0, outcome.ExitCode);
        Assert.Matches(@"[1-9]\d* passed, 0 failed", outcome.Output);
    }

    [SkippableFact]
    public async Task A_whole_set_batch_beyond_the_device_buffer_limit_exits_2_with_the_largest_batch_that_fits()
    {
        await MnistFixture.DigitsAsync();
        long limit;
        using (var backend = VulkanAvailability.CreateValidated())
        {
            limit = backend.MaxBufferBytes;
        }
        const long wholeSetBytes = 60000L * 784 * sizeof(float);
        Skip.If(wholeSetBytes <= limit, $"this Vulkan device binds {limit} bytes, so a whole-set batch of MNIST fits");

        var outcome = CommandLine.Run("train", "--backend", "vulkan", "--dataset", "mnist", "--batch-size", "60000", "--epochs", "1");

        Assert.Equal(2, outcome.ExitCode);
        Assert.Contains($"the largest batch that fits is {limit / (784 * sizeof(float))}", outcome.Error);
    }
}
