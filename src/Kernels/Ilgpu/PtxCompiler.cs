using ILGPU;
using ILGPU.Backends.EntryPoints;
using ILGPU.Backends.PTX;
using ILGPU.Runtime;
using ILGPU.Runtime.Cuda;

namespace Descent.Kernels.Ilgpu;

/// <summary>
/// Compiles ILGPU kernels to PTX for an H100/H200 (SM 90) on a machine without a GPU or an NVVM library:
/// ILGPU generates the PTX itself, as it does at run time. The tests check every kernel this way, and
/// `descent check --ptx-out` writes the PTX so that ptxas on a GPU machine can report registers,
/// shared memory and spills.
/// </summary>
public static class PtxCompiler
{
    /// <summary>The PTX of one kernel of <see cref="IlgpuKernelCatalog"/>.</summary>
    public static string Compile(IlgpuKernelCatalog.Kernel kernel)
    {
        // A fresh context per kernel: after one failed compile, later compiles in the same context can fail too.
        using var context = Context.Create(builder => builder.EnableAlgorithms().Optimize(IlgpuDevices.PtxOptimization));
        using var backend = new PTXBackend(context, CudaArchitecture.SM_90, CudaInstructionSet.ISA_78, nvvmAPI: null!);
        var entryPoint = kernel.ExplicitlyGrouped
            ? EntryPointDescription.FromExplicitlyGroupedKernel(kernel.Method)
            : EntryPointDescription.FromImplicitlyGroupedKernel(kernel.Method);
        return ((PTXCompiledKernel)backend.Compile(entryPoint, kernel.Specialization)).PTXAssembly;
    }
}
