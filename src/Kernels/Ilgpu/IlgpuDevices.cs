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

    /// <summary>Threads that run a grid-stride kernel on the CPU accelerator at once: one per core.</summary>
    public static int CpuThreads => CpuDevice.WarpSize * CpuDevice.NumMultiprocessors;

    public static string CpuDescription => $"ILGPU CPU accelerator ({CpuThreads} threads)";

    /// <summary>CUDA devices in ILGPU's order, which <c>--device N</c> indexes; empty without a driver.</summary>
    public static IReadOnlyList<DeviceInfo> CudaDevices => Cuda.Value;

    /// <summary>Creates a context for the CPU accelerator, with the algorithms library that float math needs.</summary>
    public static Context CreateCpuContext() => Context.Create(builder => builder.CPU(CpuDevice).EnableAlgorithms());

    /// <summary>
    /// Creates a context for CUDA devices. EnableAlgorithms supplies MathF.Exp and friends in PTX; without it
    /// kernels compile on the CPU accelerator but fail on the GPU.
    /// </summary>
    public static Context CreateCudaContext() => Context.Create(builder => builder.Cuda().EnableAlgorithms());

    /// <summary>
    /// Lists CUDA devices, or none. ILGPU loads libcuda.so itself and reports no devices when it is
    /// missing; the exceptions caught here are what a present but broken driver may throw instead.
    /// </summary>
    private static IReadOnlyList<DeviceInfo> FindCudaDevices()
    {
        try
        {
            using var context = Context.Create(builder => builder.Cuda());
            var devices = context.GetCudaDevices();
            var found = new List<DeviceInfo>(devices.Count);
            for (var i = 0; i < devices.Count; i++)
            {
                found.Add(new DeviceInfo(i, IlgpuBackend.CudaName, devices[i].Name, "gpu", devices[i].MemorySize));
            }
            return found;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException or BadImageFormatException
            or TypeInitializationException or AcceleratorException or NotSupportedException)
        {
            return [];
        }
    }
}
