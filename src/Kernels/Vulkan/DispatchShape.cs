using Silk.NET.Vulkan;

namespace Descent.Kernels.Vulkan;

/// <summary>
/// Workgroup and tile sizes for one device, passed to the shaders as specialization constants.
/// Element-wise shaders use <see cref="WorkgroupWidth"/>-wide groups and a grid stride over at most
/// <see cref="MaxGroups"/> groups. The tiled GEMMs (gemm_register_blocks.comp,
/// gemm_shared_register_blocks.comp) run GroupX x GroupY threads, each computing a BlockRows x BlockCols
/// block of C; the shared-memory one stages TileK steps of K at a time. A tiled GEMM's grid beyond
/// MaxGroupsX x MaxGroupsY is split into several dispatches. A batched GEMM (a convolution's) runs its
/// products along z, at most MaxGroupsZ in one dispatch.
/// </summary>
internal sealed unsafe record DispatchShape(uint WorkgroupWidth, uint MaxGroups, uint GemmGroupX, uint GemmGroupY, uint BlockRows,
    uint BlockCols, uint TileK, uint MaxGroupsX, uint MaxGroupsY, uint MaxGroupsZ, GemmAlgorithm AutoGemm)
{
    /// <summary>
    /// 64-wide groups suit every vendor's SIMD width (8 on lavapipe, 32 NVIDIA, 64 AMD). 4096 groups of 64
    /// are enough threads to fill the largest GPU; more only lengthens the dispatch. GEMM: 4 x 4 outputs per
    /// thread; 16 x 16 threads per group where the device allows 256 invocations, else 8 x 8 (lavapipe
    /// runs a group as one thread's loop, and small groups spread a small GEMM over its cores). Auto GEMM:
    /// shared-memory tiles on a GPU; on lavapipe the register blocks without shared memory, whose
    /// barriers cost more there than the loads they save (see README).
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
            TileK: 8,
            MaxGroupsX: limits.MaxComputeWorkGroupCount[0],
            MaxGroupsY: limits.MaxComputeWorkGroupCount[1],
            MaxGroupsZ: limits.MaxComputeWorkGroupCount[2],
            AutoGemm: gpu ? GemmAlgorithm.SharedMemoryRegisterBlocks : GemmAlgorithm.RegisterBlocks);
    }

    /// <summary>Groups for a grid-stride dispatch over <paramref name="work"/> items.</summary>
    public uint GridStrideGroups(long work) => (uint)Math.Clamp((work + WorkgroupWidth - 1) / WorkgroupWidth, 1, MaxGroups);
}
