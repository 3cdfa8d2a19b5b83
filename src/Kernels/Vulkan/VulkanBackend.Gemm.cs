namespace Descent.Kernels.Vulkan;

public sealed partial class VulkanBackend
{
    // Auto runs the register-blocks GEMM everywhere: on lavapipe it is several times the naive shader's
    // speed (see README), and on GPUs it cuts global loads per multiply-add by four.
    private const GemmAlgorithm AutoGemm = GemmAlgorithm.RegisterBlocks;

    protected override void GemmCore(bool transposeA, bool transposeB, int m, int n, int k, float alpha,
        DeviceBuffer<float> a, DeviceBuffer<float> b, float beta, DeviceBuffer<float> c, GemmAlgorithm algorithm)
    {
        var arguments = GemmArguments.For(transposeA, transposeB, m, n, k, alpha, beta);
        ReadOnlySpan<VulkanAllocation> buffers = [Allocation(a), Allocation(b), Allocation(c)];
        var groupsX = ((uint)n + shape.GemmGroupX * shape.BlockCols - 1) / (shape.GemmGroupX * shape.BlockCols);
        var groupsY = ((uint)m + shape.GemmGroupY * shape.BlockRows - 1) / (shape.GemmGroupY * shape.BlockRows);
        var registerBlocks = (algorithm == GemmAlgorithm.Auto ? AutoGemm : algorithm) == GemmAlgorithm.RegisterBlocks
            && groupsX <= shape.MaxGroupsX && groupsY <= shape.MaxGroupsY;
        if (registerBlocks)
        {
            var blocks = new SpecializationConstants(shape.GemmGroupX, shape.GemmGroupY, shape.BlockRows, shape.BlockCols);
            Dispatch(Shader.Named("gemm_register_blocks"), blocks, buffers, arguments, groupsX, groupsY);
        }
        else
        {
            Dispatch(Shader.Named("gemm_naive"), GridStride(), buffers, arguments, shape.GridStrideGroups((long)m * n));
        }
    }

    /// <summary>
    /// GEMM sizes and where op(A) and op(B) find their elements, so a shader handles a transpose by index
    /// arithmetic instead of a copy: op(A)(r, p) = a[r * ARowStride + p * AColStride],
    /// op(B)(p, c) = b[p * BRowStride + c * BColStride].
    /// </summary>
    [PushConstantsFor("gemm_naive", "gemm_register_blocks")]
    private readonly record struct GemmArguments(uint M, uint N, uint K, uint ARowStride, uint AColStride, uint BRowStride,
        uint BColStride, float Alpha, float Beta)
    {
        public static GemmArguments For(bool transposeA, bool transposeB, int m, int n, int k, float alpha, float beta) => new(
            (uint)m, (uint)n, (uint)k,
            // A is stored M x K, or K x M when transposed; B is stored K x N, or N x K when transposed.
            ARowStride: transposeA ? 1u : (uint)k,
            AColStride: transposeA ? (uint)m : 1u,
            BRowStride: transposeB ? 1u : (uint)n,
            BColStride: transposeB ? (uint)k : 1u,
            alpha, beta);
    }
}
