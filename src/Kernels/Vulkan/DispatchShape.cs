namespace Descent.Kernels.Vulkan;

/// <summary>
/// Workgroup and tile sizes for one device, passed to the shaders as specialization constants.
/// Element-wise shaders use <see cref="WorkgroupWidth"/>-wide groups and a grid stride over at most
/// <see cref="MaxGroups"/> groups. The register-blocks GEMM (gemm_register_blocks.comp) runs
/// GroupX x GroupY threads, each computing a BlockRows x BlockCols block of C.
/// </summary>
internal sealed unsafe record DispatchShape(uint WorkgroupWidth, uint MaxGroups, uint GemmGroupX, uint GemmGroupY, uint BlockRows,
    uint BlockCols, uint MaxGroupsX, uint MaxGroupsY)
{
    /// <summary>
    /// 64-wide groups suit every vendor's SIMD width (8 on lavapipe, 32 NVIDIA, 64 AMD). 4096 groups of 64
    /// are enough threads to fill the largest GPU; more only lengthens the dispatch. GEMM: 4 x 4 outputs per
    /// thread; 16 x 16 threads per group where the device allows 256 invocations, else 8 x 8 (lavapipe
    /// runs a group as one thread's loop, and small groups spread a small GEMM over its cores).
    /// </summary>
    public static DispatchShape For(PhysicalDeviceChoice device)
    {
        var limits = device.Limits;
        var gemmGroup = !device.IsSoftware && limits.MaxComputeWorkGroupInvocations >= 256 ? 16u : 8u;
        return new DispatchShape(
            WorkgroupWidth: 64,
            MaxGroups: Math.Min(4096u, limits.MaxComputeWorkGroupCount[0]),
            GemmGroupX: gemmGroup,
            GemmGroupY: gemmGroup,
            BlockRows: 4,
            BlockCols: 4,
            MaxGroupsX: limits.MaxComputeWorkGroupCount[0],
            MaxGroupsY: limits.MaxComputeWorkGroupCount[1]);
    }

    /// <summary>Groups for a grid-stride dispatch over <paramref name="work"/> items.</summary>
    public uint GridStrideGroups(long work) => (uint)Math.Clamp((work + WorkgroupWidth - 1) / WorkgroupWidth, 1, MaxGroups);
}
