using Descent.Kernels.Ilgpu;

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
    /// The shared-memory GEMM is sized to the device by <see cref="RegisterBlockGemmPlan"/>: a narrower tiling, or K
    /// split into chunks and a second dispatch that adds them (<see cref="SplitGemm"/>).
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
        if (chosen == GemmAlgorithm.SharedMemoryRegisterBlocks)
        {
            var plan = RegisterBlockGemmPlan.For((int)arguments.M, (int)arguments.N, (int)arguments.K, shape.SharedGemm, (int)products);
            GemmWithPlan(plan, arguments, buffers, epilogueBias, activationCode);
            return;
        }
        var tiles = new SpecializationConstants(shape.GemmGroupX, shape.GemmGroupY, shape.BlockRows, shape.BlockCols,
            EpilogueBias: epilogueBias, EpilogueActivation: activationCode);
        DispatchTiles(Shader.Named("gemm_register_blocks"), tiles, buffers, arguments,
            Ceiling(arguments.N, shape.GemmGroupX * shape.BlockCols), Ceiling(arguments.M, shape.GemmGroupY * shape.BlockRows), products);
    }

    /// <summary>The device the shared-memory GEMM is planned for.</summary>
    internal GemmDevice SharedGemmDevice => shape.SharedGemm;

    /// <summary>
    /// C = f(alpha op(A) op(B) + beta C + bias) with the shared-memory GEMM as <paramref name="plan"/> says, whatever the
    /// device: for tests of the plans a GPU gets (odd edges, a split whose last chunk is empty) on lavapipe.
    /// </summary>
    internal void GemmWithPlan(RegisterBlockGemmPlan plan, bool transposeA, bool transposeB, int m, int n, int k, float alpha,
        DeviceBuffer<float> a, DeviceBuffer<float> b, float beta, DeviceBuffer<float> c, DeviceBuffer<float>? bias, Activation? activation)
    {
        var input = Allocation(a);
        GemmWithPlan(plan, GemmArguments.For(transposeA, transposeB, m, n, k, alpha, beta),
            [input, Allocation(b), Allocation(c), bias is null ? input : Allocation(bias)], bias is null ? NoBias : BiasByColumn,
            activation is { } f ? Code(f, "activation") + 1 : NoActivation);
    }

    /// <summary>
    /// The shared-memory GEMM as <paramref name="plan"/> tiles it (its products along z), or, when it splits K, as
    /// <see cref="SplitGemm"/> records it. Tests give plans of their own to reach a GPU's edges on lavapipe.
    /// </summary>
    private void GemmWithPlan(RegisterBlockGemmPlan plan, GemmArguments arguments, ReadOnlySpan<BufferRegion> buffers, uint epilogueBias,
        uint activationCode)
    {
        var tiling = plan.Tiling;
        var shader = Shader.Named("gemm_shared_register_blocks");
        if (plan.Splits == 1)
        {
            DispatchTiles(shader, SharedTiles(tiling, epilogueBias, activationCode), buffers, arguments, (uint)plan.ColumnBlocks,
                (uint)plan.RowBlocks, (uint)plan.Products);
            return;
        }
        SplitGemm(plan, arguments, buffers, epilogueBias, activationCode);
    }

    /// <summary>
    /// A GEMM of one product with K in <paramref name="plan"/>'s chunks: chunk z adds its range of K into partial sums
    /// (plain: alpha 1, beta 0, no epilogue) at z M N of the split scratch, then gemm_sum_splits adds the chunks in
    /// order into C with alpha, beta, the bias and the activation. Two dispatches, no atomics: the same bits every run.
    /// </summary>
    private void SplitGemm(RegisterBlockGemmPlan plan, GemmArguments arguments, ReadOnlySpan<BufferRegion> buffers, uint epilogueBias,
        uint activationCode)
    {
        var outputs = arguments.M * arguments.N;
        var partials = Scratch(ref gemmSplitScratch, plan.PartialFloats((int)arguments.M, (int)arguments.N));
        var chunks = arguments with
        {
            Alpha = 1f,
            Beta = 0f,
            ABatchStride = 0,
            BBatchStride = 0,
            COffset = 0,
            CBatchStride = outputs,
            SplitDepth = (uint)(plan.StepsPerSplit * plan.Tiling.Depth),
        };
        // No epilogue: binding 3 is never read, and A, already bound, fills it.
        DispatchTiles(Shader.Named("gemm_shared_register_blocks"), SharedTiles(plan.Tiling, NoBias, NoActivation),
            [buffers[0], buffers[1], partials, buffers[0]], chunks, (uint)plan.ColumnBlocks, (uint)plan.RowBlocks, (uint)plan.Splits);
        Dispatch(Shader.Named("gemm_sum_splits"),
            new SpecializationConstants(shape.WorkgroupWidth, EpilogueBias: epilogueBias, EpilogueActivation: activationCode),
            [partials, buffers[2], buffers[3]],
            new SumSplitsArguments(arguments.M, arguments.N, (uint)plan.Splits, arguments.Alpha, arguments.Beta, arguments.COffset),
            shape.GridStrideGroups(outputs));
    }

    /// <summary>
    /// Records a tiled GEMM shader over <paramref name="groupsX"/> x <paramref name="groupsY"/> groups: a grid larger than
    /// maxComputeWorkGroupCount as several dispatches, each told where its groups start.
    /// </summary>
    private void DispatchTiles(Shader shader, SpecializationConstants tiles, ReadOnlySpan<BufferRegion> buffers, GemmArguments arguments,
        uint groupsX, uint groupsY, uint groupsZ)
    {
        for (var offsetY = 0u; offsetY < groupsY; offsetY += shape.MaxGroupsY)
        {
            for (var offsetX = 0u; offsetX < groupsX; offsetX += shape.MaxGroupsX)
            {
                Dispatch(shader, tiles, buffers, arguments with { GroupOffsetX = offsetX, GroupOffsetY = offsetY },
                    Math.Min(shape.MaxGroupsX, groupsX - offsetX), Math.Min(shape.MaxGroupsY, groupsY - offsetY), groupsZ);
            }
        }
    }

    /// <summary>The shared-memory GEMM's specialization for <paramref name="tiling"/>: S x S threads, its blocks and K step.</summary>
    private static SpecializationConstants SharedTiles(RegisterBlockTiling tiling, uint epilogueBias, uint activationCode) =>
        new((uint)tiling.Side, (uint)tiling.Side, (uint)tiling.BlockWidth, (uint)tiling.BlockWidth, (uint)tiling.Depth, epilogueBias,
            activationCode);

    private static uint Ceiling(uint value, uint divisor) => (value + divisor - 1) / divisor;

    /// <summary>
    /// The partial sums of split GEMMs, grown to the largest split seen and then reused (a training step's GEMMs keep their
    /// shapes, so its steady state allocates nothing).
    /// </summary>
    private VulkanAllocation? gemmSplitScratch;

    private const string GemmSplitSlot = "gemm split partials";

    /// <summary>The partial sums of a plain or linear GEMM that splits K on this device, in a slot of their own.</summary>
    protected override IReadOnlyList<ScratchNeed> GemmScratchCore(int m, int n, int k) =>
        GemmSplitPartials(m, n, k) is > 0 and var floats ? [new ScratchNeed(GemmSplitSlot, typeof(float), floats)] : [];

    /// <summary>The floats of partial sums an M x N x K product of the Auto GEMM writes when it splits K (0 when it does not).</summary>
    private long GemmSplitPartials(int m, int n, int k) =>
        shape.AutoGemm == GemmAlgorithm.SharedMemoryRegisterBlocks ? RegisterBlockGemmPlan.For(m, n, k, shape.SharedGemm).PartialFloats(m, n) : 0;

    /// <summary>A split GEMM's sum: C's sizes, the chunks, alpha and beta, and where C starts.</summary>
    [PushConstantsFor("gemm_sum_splits")]
    private readonly record struct SumSplitsArguments(uint M, uint N, uint Splits, float Alpha, float Beta, uint COffset);

    /// <summary>
    /// GEMM sizes and where op(A) and op(B) find their elements, so a shader handles a transpose by index
    /// arithmetic instead of a copy: op(A)(r, p) = a[r * ARowStride + p * AColStride],
    /// op(B)(p, c) = b[p * BRowStride + c * BColStride]. The group offsets place one part of a split
    /// dispatch; the offsets and batch strides (in elements) place each product of a batched GEMM, product z
    /// reading A from AOffset + z * ABatchStride, likewise B and C (shaders/include/gemm_layout.glsl). A split GEMM's
    /// chunks are sent SplitDepth, the K each adds; 0 otherwise.
    /// </summary>
    [PushConstantsFor("gemm_naive", "gemm_register_blocks", "gemm_shared_register_blocks")]
    private readonly record struct GemmArguments(uint M, uint N, uint K, uint ARowStride, uint AColStride, uint BRowStride,
        uint BColStride, float Alpha, float Beta, uint GroupOffsetX = 0, uint GroupOffsetY = 0, uint AOffset = 0, uint BOffset = 0,
        uint COffset = 0, uint ABatchStride = 0, uint BBatchStride = 0, uint CBatchStride = 0, uint SplitDepth = 0)
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
