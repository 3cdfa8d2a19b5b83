namespace Descent.Kernels.Vulkan;

public sealed partial class VulkanBackend
{
    /// <summary>The epilogue specialization code meaning no activation (shaders/include/epilogue.glsl).</summary>
    private const uint NoActivation = 0;

    /// <summary>The epilogue's bias codes (shaders/include/epilogue.glsl): none, one per column of C, one per row.</summary>
    private const uint NoBias = 0;
    private const uint BiasByColumn = 1;
    private const uint BiasByRow = 2;

    protected override void GemmCore(bool transposeA, bool transposeB, int m, int n, int k, float alpha,
        DeviceBuffer<float> a, DeviceBuffer<float> b, float beta, DeviceBuffer<float> c, GemmAlgorithm algorithm)
    {
        var input = Allocation(a);
        // No bias: binding 3 is never read, and A, already bound, fills it.
        Gemm(algorithm, GemmArguments.For(transposeA, transposeB, m, n, k, alpha, beta),
            [input, Allocation(b), Allocation(c), input], NoBias, NoActivation);
    }

    /// <summary>y = f(x W^T + bias) as one GEMM dispatch, the bias and activation applied in its epilogue.</summary>
    protected override void LinearForwardCore(DeviceBuffer<float> x, DeviceBuffer<float> weight, DeviceBuffer<float> bias,
        DeviceBuffer<float> y, int rows, int inputs, int outputs, Activation? activation)
    {
        var activationCode = activation is { } f ? Code(f, "activation") + 1 : NoActivation;
        Gemm(GemmAlgorithm.Auto, GemmArguments.For(false, true, rows, outputs, inputs, 1f, 0f),
            [Allocation(x), Allocation(weight), Allocation(y), Allocation(bias)], BiasByColumn, activationCode);
    }

    /// <summary>
    /// Records the GEMM <paramref name="algorithm"/> (Auto: the device's, <see cref="DispatchShape.AutoGemm"/>)
    /// over A, B, C and the bias, in that binding order: <paramref name="products"/> of them along z, each
    /// where the arguments' offsets and batch strides place it (at most <see cref="DispatchShape.MaxGroupsZ"/>).
    /// A tiled GEMM's grid larger than maxComputeWorkGroupCount is recorded as several dispatches, each told
    /// where its groups start.
    /// </summary>
    private void Gemm(GemmAlgorithm algorithm, GemmArguments arguments, ReadOnlySpan<BufferRegion> buffers, uint epilogueBias,
        uint activationCode, uint products = 1)
    {
        var chosen = algorithm == GemmAlgorithm.Auto ? shape.AutoGemm : algorithm;
        if (chosen == GemmAlgorithm.Naive)
        {
            var constants = new SpecializationConstants(shape.WorkgroupWidth, EpilogueBias: epilogueBias, EpilogueActivation: activationCode);
            Dispatch(Shader.Named("gemm_naive"), constants, buffers, arguments, shape.GridStrideGroups((long)arguments.M * arguments.N),
                groupsY: 1, products);
            return;
        }
        var shader = Shader.Named(chosen == GemmAlgorithm.SharedMemoryRegisterBlocks ? "gemm_shared_register_blocks" : "gemm_register_blocks");
        var tiles = new SpecializationConstants(shape.GemmGroupX, shape.GemmGroupY, shape.BlockRows, shape.BlockCols, shape.TileK,
            epilogueBias, activationCode);
        var groupsX = (arguments.N + shape.GemmGroupX * shape.BlockCols - 1) / (shape.GemmGroupX * shape.BlockCols);
        var groupsY = (arguments.M + shape.GemmGroupY * shape.BlockRows - 1) / (shape.GemmGroupY * shape.BlockRows);
        for (var offsetY = 0u; offsetY < groupsY; offsetY += shape.MaxGroupsY)
        {
            for (var offsetX = 0u; offsetX < groupsX; offsetX += shape.MaxGroupsX)
            {
                Dispatch(shader, tiles, buffers, arguments with { GroupOffsetX = offsetX, GroupOffsetY = offsetY },
                    Math.Min(shape.MaxGroupsX, groupsX - offsetX), Math.Min(shape.MaxGroupsY, groupsY - offsetY), products);
            }
        }
    }

    /// <summary>
    /// GEMM sizes and where op(A) and op(B) find their elements, so a shader handles a transpose by index
    /// arithmetic instead of a copy: op(A)(r, p) = a[r * ARowStride + p * AColStride],
    /// op(B)(p, c) = b[p * BRowStride + c * BColStride]. The group offsets place one part of a split
    /// dispatch; the offsets and batch strides (in elements) place each product of a batched GEMM, product z
    /// reading A from AOffset + z * ABatchStride, likewise B and C (shaders/include/gemm_layout.glsl).
    /// </summary>
    [PushConstantsFor("gemm_naive", "gemm_register_blocks", "gemm_shared_register_blocks")]
    private readonly record struct GemmArguments(uint M, uint N, uint K, uint ARowStride, uint AColStride, uint BRowStride,
        uint BColStride, float Alpha, float Beta, uint GroupOffsetX = 0, uint GroupOffsetY = 0, uint AOffset = 0, uint BOffset = 0,
        uint COffset = 0, uint ABatchStride = 0, uint BBatchStride = 0, uint CBatchStride = 0)
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
