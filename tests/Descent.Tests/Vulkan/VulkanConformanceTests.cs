using Descent.Kernels.Vulkan;
using Descent.Tests.Conformance;
using Xunit;

namespace Descent.Tests.Vulkan;

/// <summary>The Vulkan backend on its preferred device (lavapipe on CI), under the validation layer.</summary>
public sealed class VulkanFixture() : BackendFixture(() => VulkanAvailability.CreateValidated())
{
    public override IReadOnlyList<string> DeviceMessages => ((VulkanBackend)Backend).ValidationMessages;
}

/// <summary>The same, with every upload and download through staging buffers, as on a discrete GPU.</summary>
public sealed class VulkanStagedFixture() : BackendFixture(() => VulkanAvailability.CreateValidated(mapDeviceMemory: false))
{
    public override IReadOnlyList<string> DeviceMessages => ((VulkanBackend)Backend).ValidationMessages;
}

/// <summary>The whole conformance suite, gradient checks included, on Vulkan; any validation message fails the case.</summary>
public sealed class VulkanConformanceTests(VulkanFixture fixture) : BackendConformanceTests(fixture), IClassFixture<VulkanFixture>;

/// <summary>The whole conformance suite on Vulkan with staged copies instead of mapped device memory.</summary>
public sealed class VulkanStagedConformanceTests(VulkanStagedFixture fixture)
    : BackendConformanceTests(fixture), IClassFixture<VulkanStagedFixture>;
