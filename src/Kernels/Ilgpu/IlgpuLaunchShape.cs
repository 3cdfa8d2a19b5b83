namespace Descent.Kernels.Ilgpu;

/// <summary>
/// How the ILGPU backend launches on one device.
/// </summary>
/// <param name="GridStrideThreads">
/// Threads per grid-stride launch: enough to fill the device and no more, so that on the CPU accelerator
/// each thread loops over many elements instead of paying a rendezvous per element.
/// </param>
/// <param name="GemmTile">
/// Edge of the shared-memory-tiles GEMM's square thread groups: 16 x 16 = 256 threads on a GPU; 4 x 4 on
/// the CPU accelerator run for speed, where each group thread is an OS thread and every thread a group
/// has ever needed joins the rendezvous of every later launch.
/// </param>
/// <param name="AutoGemm">
/// The GEMM that Auto runs: shared-memory tiles on GPUs; naive on the CPU accelerator run for speed, where
/// every barrier is an OS-thread rendezvous (a 128x784x128 product took about a minute tiled, ~50 ms naive).
/// </param>
public readonly record struct IlgpuLaunchShape(int GridStrideThreads, int GemmTile, GemmAlgorithm AutoGemm)
{
    /// <summary>What a GPU runs: 16 x 16 tiles and the shared-memory-tiles GEMM on Auto.</summary>
    public static IlgpuLaunchShape ForGpu(int gridStrideThreads) => new(gridStrideThreads, 16, GemmAlgorithm.SharedMemoryTiles);

    /// <summary>The CPU accelerator run for speed: one grid-stride thread per core, 4 x 4 tiles, naive GEMM on Auto.</summary>
    public static IlgpuLaunchShape ForCpuAccelerator => new(IlgpuDevices.CpuThreads, 4, GemmAlgorithm.Naive);
}
