using Descent.Kernels.Ilgpu;
using Silk.NET.Vulkan;

namespace Descent.Kernels.Vulkan;

/// <summary>
/// Workgroup and tile sizes for one device, passed to the shaders as specialization constants.
/// Element-wise shaders use <see cref="WorkgroupWidth"/>-wide groups and a grid stride over at most
/// <see cref="MaxGroups"/> groups. The register-blocks GEMM (gemm_register_blocks.comp) runs GemmGroupX x
/// GemmGroupY threads, each computing a BlockRows x BlockCols block of C; the shared-memory one
/// (gemm_shared_register_blocks.comp) is sized per product by <see cref="RegisterBlockGemmPlan"/> over
/// <see cref="SharedGemmTilings"/> for <see cref="SharedGemm"/>, the device as that planner sees it. A tiled
/// GEMM's grid beyond MaxGroupsX x MaxGroupsY is split into several dispatches. A batched GEMM (a
/// convolution's) runs its products along z, at most MaxGroupsZ in one dispatch.
/// </summary>
internal sealed unsafe record DispatchShape(uint WorkgroupWidth, uint MaxGroups, uint GemmGroupX, uint GemmGroupY, uint BlockRows,
    uint BlockCols, uint MaxGroupsX, uint MaxGroupsY, uint MaxGroupsZ, GemmAlgorithm AutoGemm, GemmDevice SharedGemm)
{
    /// <summary>
    /// The shared-memory GEMM's tilings (shaders/gemm_shared_register_blocks.comp), widest first: S x S threads, 4 x 4
    /// outputs each (its vec4 loads), K in steps of 8. Occupancy is the driver's to choose, so a tiling claims one group a
    /// multiprocessor: the planner counts groups against multiprocessors only.
    /// </summary>
    public static IReadOnlyList<RegisterBlockTiling> SharedGemmTilings { get; } =
        [new RegisterBlockTiling(16, 1) { BlockWidth = 4, Depth = 8 }, new RegisterBlockTiling(8, 1) { BlockWidth = 4, Depth = 8 }];

    /// <summary>
    /// The groups a GPU whose driver says neither its multiprocessors nor its compute units is planned to run at once: a
    /// mid-sized discrete GPU's multiprocessors. Too many for an integrated GPU costs it a split it did not need (a
    /// dispatch and the partial sums); too few for the largest leaves some of it idle on the smallest products.
    /// </summary>
    public const int FallbackGroupTarget = 64;

    /// <summary>
    /// 64-wide groups suit every vendor's SIMD width (8 on lavapipe, 32 NVIDIA, 64 AMD). 4096 groups of 64
    /// are enough threads to fill the largest GPU; more only lengthens the dispatch. GEMM: 4 x 4 outputs per
    /// thread; 16 x 16 threads per group where the device allows 256 invocations, else 8 x 8 (lavapipe
    /// runs a group as one thread's loop, and small groups spread a small GEMM over its cores). Auto GEMM:
    /// shared-memory tiles on a GPU; on lavapipe the register blocks without shared memory, whose
    /// barriers cost more there than the loads they save (see README). The shared-memory GEMM's device: the
    /// multiprocessors its driver reports (<see cref="PhysicalDeviceChoice.Multiprocessors"/>), on lavapipe the
    /// processor's threads (its default LP_NUM_THREADS), else <see cref="FallbackGroupTarget"/>; the tilings its
    /// limits allow, only the narrow one where 256 threads a group are not allowed or on lavapipe.
    /// </summary>
    public static DispatchShape For(PhysicalDeviceChoice device)
    {
        var limits = device.Limits;
        var gemmGroup = !device.IsSoftware && limits.MaxComputeWorkGroupInvocations >= 256 ? 16u : 8u;
        var gpu = device.Type is PhysicalDeviceType.DiscreteGpu or PhysicalDeviceType.IntegratedGpu;
        return new DispatchShape(
            WorkgroupWidth: 64,
            MaxGroups: Math.Min(4096u, limits.MaxComputeWorkGroupCount[0]),
            GemmGroupX: gemmGroup,
            GemmGroupY: gemmGroup,
            BlockRows: 4,
            BlockCols: 4,
            MaxGroupsX: limits.MaxComputeWorkGroupCount[0],
            MaxGroupsY: limits.MaxComputeWorkGroupCount[1],
            MaxGroupsZ: limits.MaxComputeWorkGroupCount[2],
            AutoGemm: gpu ? GemmAlgorithm.SharedMemoryRegisterBlocks : GemmAlgorithm.RegisterBlocks,
            SharedGemm: SharedGemmDevice(device.Name, device.Multiprocessors ?? (device.IsSoftware ? Environment.ProcessorCount : FallbackGroupTarget),
                device.IsSoftware, limits.MaxComputeWorkGroupInvocations, limits.MaxComputeWorkGroupCount[1], limits.MaxComputeWorkGroupCount[2],
                limits.MaxComputeSharedMemorySize));
    }

    /// <summary>
    /// The shared-memory GEMM's device for the planner: <paramref name="multiprocessors"/>, the tilings whose groups fit
    /// <paramref name="maxThreads"/> (only the narrow one on a <paramref name="software"/> device), and the grid and
    /// shared-memory limits (maxComputeWorkGroupCount y and z, maxComputeSharedMemorySize).
    /// </summary>
    internal static GemmDevice SharedGemmDevice(string name, int multiprocessors, bool software, uint maxThreads, uint maxGridY,
        uint maxGridZ, uint maxSharedBytes)
    {
        var tilings = SharedGemmTilings
            .Where(tiling => tiling.Threads <= maxThreads && (!software || tiling == SharedGemmTilings[^1]))
            .ToList();
        return new GemmDevice(name, multiprocessors, (int)Math.Min(int.MaxValue, maxThreads), (int)Math.Min(int.MaxValue, maxGridY),
            (int)Math.Min(int.MaxValue, maxGridZ), (int)Math.Min(int.MaxValue, maxSharedBytes), tilings);
    }

    /// <summary>Groups for a grid-stride dispatch over <paramref name="work"/> items.</summary>
    public uint GridStrideGroups(long work) => (uint)Math.Clamp((work + WorkgroupWidth - 1) / WorkgroupWidth, 1, MaxGroups);
}
