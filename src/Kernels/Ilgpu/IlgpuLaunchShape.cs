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
/// <param name="RegisterBlockTile">
/// Edge of the square block of C one group of the shared-memory-register-blocks GEMM computes, a multiple
/// of its 8 x 8 blocks per thread: 128 on a GPU, so (128 / 8)^2 = 256 threads; 16 (4 threads) on the CPU
/// accelerator run for speed, for the reason <paramref name="GemmTile"/> gives.
/// </param>
/// <param name="RegisterBlockDepth">
/// How far along K that GEMM steps between two barriers: the depth of the A and B tiles it stages in
/// shared memory. 16 on a GPU: each thread stages 8 elements of each 128-wide tile a step, and the
/// double-buffered tiles take 32.5 KiB. Deeper steps mean fewer barriers, which are most of the time the
/// GPU-shaped CPU accelerator (256 OS threads a group) spends in this GEMM.
/// </param>
/// <param name="LossGroup">
/// Threads of the one group a loss launches: they take the rows in turn, meet at a barrier, and then the
/// first of them sums the batch in row order. 256 on a GPU; one per core on the CPU accelerator. A
/// convolution's bias gradient reduces each channel with a group of the same width.
/// </param>
/// <param name="AutoGemm">
/// The GEMM that Auto runs: shared-memory register blocks on GPUs; naive on the CPU accelerator run for
/// speed, where every barrier is an OS-thread rendezvous (a 128x784x128 product took about a minute with
/// 4 x 4 shared-memory tiles, ~50 ms naive).
/// </param>
public readonly record struct IlgpuLaunchShape(int GridStrideThreads, int GemmTile, int RegisterBlockTile, int RegisterBlockDepth,
    int LossGroup, GemmAlgorithm AutoGemm)
{
    /// <summary>What a GPU runs: 16 x 16 tiles, 128 x 128 register-blocked tiles 16 deep, 256-thread losses, register blocks on Auto.</summary>
    public static IlgpuLaunchShape ForGpu(int gridStrideThreads) =>
        new(gridStrideThreads, 16, 128, 16, 256, GemmAlgorithm.SharedMemoryRegisterBlocks);

    /// <summary>
    /// The CPU accelerator run for speed: one grid-stride thread and one loss thread per core, 4 x 4 tiles,
    /// 16 x 16 register-blocked tiles 16 deep, naive GEMM on Auto.
    /// </summary>
    public static IlgpuLaunchShape ForCpuAccelerator =>
        new(IlgpuDevices.CpuThreads, 4, 16, 16, IlgpuDevices.CpuThreads, GemmAlgorithm.Naive);
}
