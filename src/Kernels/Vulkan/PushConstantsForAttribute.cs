namespace Descent.Kernels.Vulkan;

/// <summary>
/// Marks the struct an op pushes as the push-constant block of <see cref="Shaders"/>, so a test can
/// compare its layout, field by field, with what each shader's SPIR-V declares.
/// </summary>
[AttributeUsage(AttributeTargets.Struct)]
internal sealed class PushConstantsForAttribute(params string[] shaders) : Attribute
{
    /// <summary>The shaders' names in shaders/, without extension.</summary>
    public IReadOnlyList<string> Shaders { get; } = shaders;
}
