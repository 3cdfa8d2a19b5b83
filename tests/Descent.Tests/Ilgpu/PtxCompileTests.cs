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
    /// The register-blocked GEMM is only fast if its 64 accumulators and the 16 values each step reads stay in
    /// registers and its operands come from shared memory: local memory (where ILGPU puts a kernel's arrays, and
    /// would put a struct whose address is taken) is off-chip, and double math runs at a fraction of float speed.
    /// Registers themselves are counted by ptxas on a GPU machine. PTX names a float register %f64, so double
    /// math is looked for as the type, .f64.
    /// </summary>
    [Fact]
    public void RegisterBlockedGemmKeepsItsBlockInRegistersAndReadsSharedMemory()
    {
        var kernel = IlgpuKernelCatalog.Kernels.Single(entry => entry.Method.Name == nameof(IlgpuBackend.GemmSharedMemoryRegisterBlocksKernel));

        var ptx = PtxCompiler.Compile(kernel);

        Assert.DoesNotContain(".local", ptx, StringComparison.Ordinal);
        Assert.DoesNotMatch(@"\.f64\b", ptx);
        Assert.Contains("ld.shared", ptx, StringComparison.Ordinal);
        Assert.Contains("st.shared", ptx, StringComparison.Ordinal);
        Assert.Contains("bar.sync", ptx, StringComparison.Ordinal);
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
