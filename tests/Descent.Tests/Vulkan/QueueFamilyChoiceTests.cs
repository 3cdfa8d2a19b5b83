using Descent.Kernels.Vulkan;
using Silk.NET.Vulkan;
using Xunit;

namespace Descent.Tests.Vulkan;

/// <summary>The queue family Descent submits to, on real drivers' families (<see cref="DeviceTables"/>). No device needed.</summary>
public sealed class QueueFamilyChoiceTests
{
    [Fact]
    public void Nvidia_runs_on_its_compute_only_family() => Assert.Equal(2, QueueFamilyChoice.Compute(DeviceTables.NvidiaGtx1650Queues));

    [Fact]
    public void Video_and_transfer_families_are_passed_over() => Assert.Equal(2, QueueFamilyChoice.Compute(DeviceTables.NvidiaRtx3060TiQueues));

    [Fact]
    public void Amd_radv_runs_on_its_compute_only_family() => Assert.Equal(1, QueueFamilyChoice.Compute(DeviceTables.AmdRadvQueues));

    [Fact]
    public void A_device_with_one_family_for_everything_runs_on_it() => Assert.Equal(0, QueueFamilyChoice.Compute(DeviceTables.IntelQueues));

    [Fact]
    public void A_device_without_compute_has_no_family() => Assert.Equal(-1, QueueFamilyChoice.Compute([QueueFlags.TransferBit]));
}
