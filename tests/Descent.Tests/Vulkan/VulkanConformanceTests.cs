using Descent.Kernels.Vulkan;
using Descent.Tests.Conformance;
using Xunit;

namespace Descent.Tests.Vulkan;

/// <summary>The Vulkan backend on its preferred device (lavapipe on CI), under the validation layer.</summary>
public sealed class VulkanFixture() : BackendFixture(VulkanAvailability.CreateValidated)
{
    public override IReadOnlyList<string> DeviceMessages => ((VulkanBackend)Backend).ValidationMessages;
}

/// <summary>The whole conformance suite, gradient checks included, on Vulkan; any validation message fails the case.</summary>
public sealed class VulkanConformanceTests(VulkanFixture fixture) : BackendConformanceTests(fixture), IClassFixture<VulkanFixture>;
