using Silk.NET.Vulkan;

namespace Descent.Kernels.Vulkan;

/// <summary>A compute pipeline ready to bind, with the layouts its descriptor sets and push constants follow.</summary>
internal sealed record ComputePipeline(Pipeline Handle, PipelineLayout Layout, DescriptorSetLayout SetLayout);
