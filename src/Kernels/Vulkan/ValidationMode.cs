namespace Descent.Kernels.Vulkan;

/// <summary>Whether an instance runs under the Khronos validation layer, and what happens to its messages.</summary>
internal enum ValidationMode
{
    Off,

    /// <summary>Kept for <see cref="VulkanBackend.ValidationMessages"/>: how the tests assert there are none.</summary>
    Collect,

    /// <summary>Kept and printed to stderr as they arrive (DESCENT_VULKAN_VALIDATION=1).</summary>
    CollectAndPrint,
}
