using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;
using ILGPU.Runtime.Cuda;

namespace Descent.Kernels.Ilgpu;

/// <summary>What ILGPU can run on here, found once per process, and the shape of the simulated CPU device.</summary>
internal static class IlgpuDevices
{
    private static readonly Lazy<IReadOnlyList<DeviceInfo>> Cuda = new(FindCudaDevices);

    /// <summary>
    /// The CPU accelerator's simulated device. It runs every group thread as an OS thread, and each
    /// launch is a rendezvous of all the threads it has started, so the shape is chosen for cheap launches:
    /// warps of 2 (the smallest ILGPU accepts) and one multiprocessor per two cores give one busy thread
    /// per core in a grid-stride launch of <see cref="CpuThreads"/> threads; 32 warps per multiprocessor
    /// allow groups of up to 64 threads (the shared-memory-tiles GEMM's 4 x 4 is 16), and above 32 threads
    /// per multiprocessor ILGPU starts threads only when a group first needs them. Measured on 2 cores: a small
    /// launch costs ~50 us (~190 us once a shared-memory-tiles GEMM has run), against 0.4-2 ms on ILGPU's default device.
    /// </summary>
    public static CPUDevice CpuDevice { get; } = new(
        numThreadsPerWarp: 2,
        numWarpsPerMultiprocessor: 32,
        numMultiprocessors: Math.Max(1, Environment.ProcessorCount / 2));

    /// <summary>
    /// The CPU accelerator shaped like an NVIDIA GPU: warps of 32 and 32 warps a multiprocessor, so groups of
    /// up to 1024 threads, as CUDA allows. One multiprocessor keeps the OS threads it starts to one group's worth.
    /// </summary>
    public static CPUDevice GpuShapedCpuDevice { get; } = new(numThreadsPerWarp: 32, numWarpsPerMultiprocessor: 32, numMultiprocessors: 1);

    /// <summary>
    /// The GEMM device of <see cref="GpuShapedCpuDevice"/>: a GPU's limits and tilings, with 8 multiprocessors rather than
    /// its one, so that the conformance checks' small products split K there as a GPU's larger ones do.
    /// </summary>
    internal static GemmDevice GpuShapedGemmDevice { get; } = GemmDevice.Gpu("GPU-shaped CPU accelerator", 8);

    public static string GpuShapedCpuDescription =>
        "ILGPU CPU accelerator shaped like an NVIDIA GPU (warp 32, up to 1024 threads a group, 16 x 16 GEMM tiles), assertions on";

    /// <summary>A context for <see cref="GpuShapedCpuDevice"/> with ILGPU's debug mode: assertions, bounds checks included, on.</summary>
    public static Context CreateGpuShapedCpuContext() =>
        Context.Create(builder => builder.CPU(GpuShapedCpuDevice).EnableAlgorithms().Debug());

    /// <summary>Threads that run a grid-stride kernel on the CPU accelerator at once: one per core.</summary>
    public static int CpuThreads => CpuDevice.WarpSize * CpuDevice.NumMultiprocessors;

    public static string CpuDescription => $"ILGPU CPU accelerator ({CpuThreads} thread{(CpuThreads == 1 ? "" : "s")})";

    private static string? cudaProblem;

    /// <summary>CUDA devices in ILGPU's order, which <c>--device N</c> indexes; empty without a driver.</summary>
    public static IReadOnlyList<DeviceInfo> CudaDevices => Cuda.Value;

    /// <summary>
    /// Why CUDA cannot be used although a driver library was found (it would not load, would not start, or
    /// reports no device); null when CUDA works or no driver library exists here at all.
    /// </summary>
    public static string? CudaProblem
    {
        get
        {
            _ = Cuda.Value;
            return cudaProblem;
        }
    }

    /// <summary>Creates a context for the CPU accelerator, with the algorithms library that float math needs.</summary>
    public static Context CreateCpuContext() => Context.Create(builder => builder.CPU(CpuDevice).EnableAlgorithms());

    /// <summary>
    /// ILGPU's optimisation level for GPU code, the same for a CUDA device and for <see cref="PtxCompiler"/>, so the PTX the
    /// tests assemble is the PTX a GPU runs. O2: at O1 the register-blocks GEMM needs 165 registers and, held to 128 for
    /// two groups a multiprocessor, spills; at O2 it takes 117 and spills nothing (ptxas 11.8, sm_90).
    /// </summary>
    internal const OptimizationLevel PtxOptimization = OptimizationLevel.O2;

    /// <summary>
    /// Creates a context for CUDA devices. EnableAlgorithms supplies MathF.Exp and friends in PTX; without it
    /// kernels compile on the CPU accelerator but fail on the GPU. Profiling lets a profile put CUDA events in the
    /// stream (<see cref="IlgpuBackend.CreateOpClock"/>); a stream without markers runs as it would without it.
    /// </summary>
    public static Context CreateCudaContext() =>
        Context.Create(builder => builder.Cuda().EnableAlgorithms().Optimize(PtxOptimization).Profiling());

    /// <summary>
    /// Lists CUDA devices, or none, and records why when a driver exists but yields none. ILGPU reports no
    /// devices when it cannot load the driver; the exceptions caught here are what a present but broken
    /// driver may throw instead.
    /// </summary>
    private static IReadOnlyList<DeviceInfo> FindCudaDevices()
    {
        CudaDriverLibrary.Install();
        var candidates = CudaDriverLibrary.CandidatesHere();
        try
        {
            using var context = Context.Create(builder => builder.Cuda());
            var devices = context.GetCudaDevices();
            var found = new List<DeviceInfo>(devices.Count);
            for (var i = 0; i < devices.Count; i++)
            {
                // The PCI address tells boards apart, and says which Vulkan device (numbered its own way) is the same board.
                found.Add(new DeviceInfo(i, IlgpuBackend.CudaName, $"{devices[i].Name} (PCI {devices[i].NVMLPCIBusId})", "gpu",
                    devices[i].MemorySize));
            }
            if (found.Count == 0 && candidates.Count > 0)
            {
                cudaProblem = CudaDriverLibrary.LoadFailure
                    ?? $"the CUDA driver ({CudaDriverLibrary.LoadedPath ?? candidates[0]}) reports no usable device";
            }
            return found;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException or BadImageFormatException
            or TypeInitializationException or AcceleratorException or NotSupportedException)
        {
            if (candidates.Count > 0)
            {
                cudaProblem = CudaDriverLibrary.LoadFailure ?? $"the CUDA driver ({candidates[0]}) failed to start: {e.Message}";
            }
            return [];
        }
    }
}
