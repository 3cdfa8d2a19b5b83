using System.Reflection;
using Descent.Kernels.Ilgpu;
using ILGPU;
using ILGPU.Runtime;
using Xunit;

namespace Descent.Tests.Ilgpu;

/// <summary>
/// Compiles every ILGPU kernel to PTX for an H100/H200 (SM 90) without a GPU. The CPU accelerator runs
/// kernels that PTX cannot express (missing intrinsics such as float math without EnableAlgorithms),
/// so only this catches them; it also keeps double arithmetic, slow and bulky on a GPU, out of them.
/// </summary>
public sealed class PtxCompileTests
{
    public static TheoryData<string> KernelNames()
    {
        var names = new TheoryData<string>();
        foreach (var kernel in IlgpuKernelCatalog.Kernels)
        {
            names.Add(kernel.Name);
        }
        return names;
    }

    [Theory]
    [MemberData(nameof(KernelNames))]
    public void KernelCompilesToPtx(string name)
    {
        var kernel = IlgpuKernelCatalog.Kernels.Single(entry => entry.Name == name);

        var ptx = PtxCompiler.Compile(kernel);

        Assert.False(string.IsNullOrEmpty(ptx), $"{name} compiled to empty PTX");
        Assert.Contains(".entry", ptx, StringComparison.Ordinal);
        Assert.DoesNotContain(".f64", ptx, StringComparison.Ordinal);
    }

    /// <summary>
    /// The rule that keeps a kernel from being left out: every static void method of the assembly whose
    /// first parameter is an ILGPU index or ArrayView is a kernel, and is marked, and nothing else is.
    /// (Device helpers return a value, or take plain values first.)
    /// </summary>
    [Fact]
    public void CatalogListsEveryKernelMethod()
    {
        var catalogued = IlgpuKernelCatalog.Kernels.Select(kernel => kernel.Method).ToHashSet();
        var kernelMethods = typeof(IlgpuBackend).Assembly.GetTypes()
            .SelectMany(type => type.GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static |
                BindingFlags.DeclaredOnly))
            .Where(method => method.ReturnType == typeof(void) && TakesAKernelParameterFirst(method))
            .ToList();

        Assert.NotEmpty(kernelMethods);
        Assert.All(kernelMethods, method =>
            Assert.True(catalogued.Contains(method), $"{method.DeclaringType!.Name}.{method.Name} is missing from IlgpuKernelCatalog"));
        Assert.Equal(kernelMethods.Count, IlgpuKernelCatalog.Kernels.Count);
    }

    [Fact]
    public void CatalogSaysWhichKernelsAreExplicitlyGrouped()
    {
        Assert.All(IlgpuKernelCatalog.Kernels, kernel =>
        {
            var parameters = kernel.Method.GetParameters();
            var takesIndex = parameters.Length > 0 && parameters[0].ParameterType == typeof(Index1D);
            Assert.True(takesIndex != kernel.ExplicitlyGrouped, $"{kernel.Name}: ExplicitlyGrouped does not match its signature");
        });
    }

    private static bool TakesAKernelParameterFirst(MethodInfo method)
    {
        var parameters = method.GetParameters();
        if (parameters.Length == 0)
        {
            return false;
        }
        var first = parameters[0].ParameterType;
        return first == typeof(Index1D) || first == typeof(Index2D) || first == typeof(Index3D)
            || (first.IsGenericType && first.GetGenericTypeDefinition() == typeof(ArrayView<>));
    }
}
