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
/// <param name="Gemm">
/// The device as the register-blocks GEMM sizes its launches for it (<see cref="RegisterBlockGemmPlan"/>): its
/// multiprocessors, limits and the tilings it launches. On the CPU accelerator run for speed only the 32 x 32 tiling
/// (16 threads, the most its default device allows a group).
/// </param>
/// <param name="LossGroup">
/// Threads of the one group a loss launches: they take the rows in turn, meet at a barrier, and then the
/// first of them sums the batch in row order. 256 on a GPU; one per core on the CPU accelerator.
/// </param>
/// <param name="ChannelGroup">
/// Threads of each group that reduces one channel (batch normalisation's statistics and gradients, a convolution's bias
/// gradient): 256 on a GPU, which sums a channel's values with a group; 1 on the CPU accelerator run for speed, where a
/// group's barrier is an OS-thread rendezvous and the channels, one per group, already keep every core busy.
/// </param>
/// <param name="AutoGemm">
/// The GEMM that Auto runs: shared-memory register blocks on GPUs; naive on the CPU accelerator run for
/// speed, where every barrier is an OS-thread rendezvous (a 128x784x128 product took about a minute with
/// 4 x 4 shared-memory tiles, ~50 ms naive).
/// </param>
public readonly record struct IlgpuLaunchShape(int GridStrideThreads, int GemmTile, GemmDevice Gemm, int LossGroup,
    int ChannelGroup, GemmAlgorithm AutoGemm)
{
    /// <summary>What a GPU runs: 16 x 16 tiles, the register-blocks GEMM sized for <paramref name="gemm"/>, 256-thread losses, register blocks on Auto.</summary>
    public static IlgpuLaunchShape ForGpu(int gridStrideThreads, GemmDevice gemm) =>
        new(gridStrideThreads, 16, gemm, 256, 256, GemmAlgorithm.SharedMemoryRegisterBlocks);

    /// <summary>
    /// The CPU accelerator run for speed: one grid-stride thread and one loss thread per core, 4 x 4 tiles, the
    /// 32 x 32 register-blocks tiling split as for a device of one multiprocessor per core, naive GEMM on Auto.
    /// </summary>
    public static IlgpuLaunchShape ForCpuAccelerator =>
        new(IlgpuDevices.CpuThreads, 4,
            new GemmDevice("CPU accelerator", IlgpuDevices.CpuThreads, IlgpuDevices.CpuDevice.MaxNumThreadsPerGroup, 65535, 65535,
                GemmDevice.DefaultSharedMemoryPerGroup, [RegisterBlockTiling.Narrow]),
            IlgpuDevices.CpuThreads, 1, GemmAlgorithm.Naive);
}
