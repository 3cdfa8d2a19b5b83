using System.Reflection;
using ILGPU.Runtime;

namespace Descent.Kernels.Ilgpu;

/// <summary>
/// Every kernel method of the ILGPU backend, so that a test can compile each one for a real GPU (PTX)
/// on a machine without one. Derived, not kept by hand: a kernel is a static method marked
/// <see cref="IlgpuKernelAttribute"/> anywhere in this assembly. A test holds the marks to a rule
/// (every static void method whose first parameter is an ILGPU index or ArrayView is marked), so a new
/// kernel cannot be left out. Sorted by name, so test runs list the kernels in the same order.
/// </summary>
public static class IlgpuKernelCatalog
{
    /// <summary>
    /// One kernel: "Type.Method", the method, whether it chooses its own group shape (no index parameter), and the group
    /// size and occupancy it is compiled for, as its launcher loads it (none for most).
    /// </summary>
    public sealed record Kernel(string Name, MethodInfo Method, bool ExplicitlyGrouped, KernelSpecialization Specialization);

    public static IReadOnlyList<Kernel> Kernels { get; } = FindKernels();

    private static Kernel[] FindKernels() =>
        typeof(IlgpuKernelCatalog).Assembly.GetTypes()
            .SelectMany(type => type.GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static |
                BindingFlags.DeclaredOnly))
            .Select(method => (Method: method, Mark: method.GetCustomAttribute<IlgpuKernelAttribute>()))
            .Where(candidate => candidate.Mark is not null)
            .Select(kernel =>
                new Kernel($"{kernel.Method.DeclaringType!.Name}.{kernel.Method.Name}", kernel.Method, kernel.Mark!.ExplicitlyGrouped,
                    IlgpuBackend.SpecializationOf(kernel.Method)))
            .OrderBy(kernel => kernel.Name, StringComparer.Ordinal)
            .ToArray();
}
