namespace Descent.Kernels.Ilgpu;

/// <summary>
/// Marks a static method that ILGPU compiles as a kernel. <see cref="IlgpuKernelCatalog"/> finds the
/// kernels by this mark, so a kernel is listed where it is written and nowhere else.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
internal sealed class IlgpuKernelAttribute : Attribute
{
    /// <summary>
    /// True for a kernel that chooses its own group shape: it takes no index parameter and is launched
    /// with a KernelConfig. False for one that takes an Index1D and lets ILGPU group its threads.
    /// </summary>
    public bool ExplicitlyGrouped { get; init; }
}
