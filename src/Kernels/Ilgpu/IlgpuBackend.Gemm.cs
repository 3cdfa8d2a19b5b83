using System.Reflection;
using System.Runtime.CompilerServices;
using ILGPU;
using ILGPU.Runtime;

namespace Descent.Kernels.Ilgpu;

// GEMM: C (M,N) = f(alpha * op(A) (M,K) * op(B) (K,N) + beta * C + bias), row-major; GemmLayout says
// where op(A) and op(B) find their elements, so transposes cost nothing. A plain GEMM has no bias and no f;
// a linear layer's forward is the same kernel with both, so it is one launch. Every GEMM kernel writes C
// through StoreGemmOutput, the one epilogue: a new activation reaches every GEMM through Activate alone.
// When beta is 0, C is only written, never read: its old contents, even NaN, cannot reach the result.
// Every algorithm adds the K products of an element in the same order, k = 0, 1, ..., as the CPU
// reference does, in one float accumulator: the same inputs give the same bits on every run.
public sealed partial class IlgpuBackend
{
    /// <summary>The activation number that means "none": the epilogue then stops at the bias.</summary>
    private const int NoActivation = -1;

    private Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, GemmLayout, float, float, ArrayView<float>, int, int>?
        launchGemmNaive;
    private Action<KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, GemmLayout, float, float, ArrayView<float>, int>?
        launchGemmSharedMemoryTiles;
    private readonly Action<KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, GemmLayout, float, float, ArrayView<float>,
        int, int>?[] launchRegisterBlocks = new Action<KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, GemmLayout,
        float, float, ArrayView<float>, int, int>?[RegisterBlockTiling.All.Count];
    private Action<Index1D, ArrayView<float>, ArrayView<float>, GemmLayout, float, float, ArrayView<float>, int, int, int>? launchSumSplits;

    // No bias is a view of no elements into C rather than ArrayView<float>.Empty: a launch on a GPU passes each
    // view as the address of its element 0, which a view with no buffer behind it does not have.
    protected override void GemmCore(bool transposeA, bool transposeB, int m, int n, int k, float alpha,
        DeviceBuffer<float> a, DeviceBuffer<float> b, float beta, DeviceBuffer<float> c, GemmAlgorithm algorithm) =>
        LaunchGemm(new GemmLayout(transposeA, transposeB, m, n, k), View(a), View(b), View(c), alpha, beta, View(c).SubView(0, 0),
            NoActivation, algorithm);

    /// <summary>y = f(x W^T + bias) in one launch: GEMM NT with the bias and the activation in its epilogue.</summary>
    protected override void LinearForwardCore(DeviceBuffer<float> x, DeviceBuffer<float> weight, DeviceBuffer<float> bias,
        DeviceBuffer<float> y, int rows, int inputs, int outputs, Activation? activation) =>
        LaunchGemm(LinearForwardGemm(rows, inputs, outputs), View(x), View(weight), View(y), 1f, 0f, View(bias),
            activation is { } f ? ActivationKind(f) : NoActivation, GemmAlgorithm.Auto);

    /// <summary>A linear forward's GEMM: x (rows, inputs) times W^T, W stored (outputs, inputs).</summary>
    internal static GemmLayout LinearForwardGemm(int rows, int inputs, int outputs) => new(false, true, rows, outputs, inputs);

    /// <summary>
    /// The GEMM <paramref name="algorithm"/> names (Auto: the shape's choice), with the epilogue <paramref name="bias"/>
    /// (empty for none) and <paramref name="activation"/> (<see cref="NoActivation"/> for none): one launch, or two when
    /// the register-blocks GEMM splits K, its partial sums then in the convolution scratch its pass declared when
    /// <paramref name="convolutionScratch"/>, else in the GEMM's own.
    /// </summary>
    private void LaunchGemm(GemmLayout layout, ArrayView<float> a, ArrayView<float> b, ArrayView<float> c, float alpha, float beta,
        ArrayView<float> bias, int activation, GemmAlgorithm algorithm, bool convolutionScratch = false)
    {
        switch (algorithm == GemmAlgorithm.Auto ? Shape.AutoGemm : algorithm)
        {
            case GemmAlgorithm.SharedMemoryRegisterBlocks:
                LaunchPlannedRegisterBlockGemm(layout, a, b, c, alpha, beta, bias, activation, convolutionScratch);
                break;
            case GemmAlgorithm.SharedMemoryTiles:
            {
                launchGemmSharedMemoryTiles ??= accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>,
                    GemmLayout, float, float, ArrayView<float>, int>(GemmSharedMemoryTilesKernel);
                var tile = Shape.GemmTile;
                var config = new KernelConfig(
                    new Index2D((layout.M + tile - 1) / tile, (layout.N + tile - 1) / tile),
                    new Index2D(tile, tile),
                    SharedMemoryConfig.RequestDynamic<float>(4 * tile * (tile + 1)));
                Launches++;
                launchGemmSharedMemoryTiles(config, a, b, c, layout, alpha, beta, bias, activation);
                break;
            }
            default:
            {
                launchGemmNaive ??= accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>,
                    ArrayView<float>, GemmLayout, float, float, ArrayView<float>, int, int>(GemmNaiveKernel);
                var threads = Threads((long)layout.M * layout.N);
                Launches++;
                launchGemmNaive(threads, a, b, c, layout, alpha, beta, bias, activation, threads);
                break;
            }
        }
    }

    /// <summary>
    /// The register-blocks GEMM as <see cref="RegisterBlockGemmPlan"/> sizes it for this device: one launch, or when K is
    /// split, the chunks' launch into the split scratch and the launch that adds them in order and applies the epilogue.
    /// </summary>
    private void LaunchPlannedRegisterBlockGemm(GemmLayout layout, ArrayView<float> a, ArrayView<float> b, ArrayView<float> c, float alpha,
        float beta, ArrayView<float> bias, int activation, bool convolutionScratch) =>
        LaunchRegisterBlockGemm(RegisterBlockGemmPlan.For(layout.M, layout.N, layout.K, Shape.Gemm), layout, a, b, c, alpha, beta, bias,
            activation, convolutionScratch);

    /// <summary>
    /// C = f(alpha op(A) op(B) + beta C + bias) with the register-blocks GEMM as <paramref name="plan"/> says, whatever
    /// the device: for tests of the plans a GPU gets (odd edges, a split whose last chunk is empty) on the CPU accelerator.
    /// </summary>
    internal void GemmWithPlan(RegisterBlockGemmPlan plan, bool transposeA, bool transposeB, int m, int n, int k, float alpha,
        DeviceBuffer<float> a, DeviceBuffer<float> b, float beta, DeviceBuffer<float> c, DeviceBuffer<float>? bias, Activation? activation) =>
        LaunchRegisterBlockGemm(plan, new GemmLayout(transposeA, transposeB, m, n, k), View(a), View(b), View(c), alpha, beta,
            bias is null ? View(c).SubView(0, 0) : View(bias), activation is { } f ? ActivationKind(f) : NoActivation, convolutionScratch: false);

    private void LaunchRegisterBlockGemm(RegisterBlockGemmPlan plan, GemmLayout layout, ArrayView<float> a, ArrayView<float> b,
        ArrayView<float> c, float alpha, float beta, ArrayView<float> bias, int activation, bool convolutionScratch)
    {
        if (plan.Splits == 1)
        {
            LaunchRegisterBlockKernel(plan, layout, a, b, c, alpha, beta, bias, activation);
            return;
        }
        var floats = plan.PartialFloats(layout.M, layout.N);
        var chunks = convolutionScratch ? ScratchPart(splitScratch, floats) : GemmSplitScratch(floats);
        LaunchRegisterBlockKernel(plan, layout, a, b, chunks, 1f, 0f, chunks.SubView(0, 0), NoActivation);
        LaunchSumSplits(layout, chunks, c, alpha, beta, bias, activation, plan.Splits);
    }

    /// <summary>
    /// One launch of the register-blocks GEMM with <paramref name="plan"/>'s tiling. Split (grid z above 1), chunk z adds
    /// k in [z D s, (z + 1) D s) for s steps a chunk and writes its plain sums to c[z M N ..]; a chunk past K writes zeros.
    /// </summary>
    private void LaunchRegisterBlockKernel(RegisterBlockGemmPlan plan, GemmLayout layout, ArrayView<float> a, ArrayView<float> b,
        ArrayView<float> c, float alpha, float beta, ArrayView<float> bias, int activation)
    {
        var tiling = plan.Tiling;
        var index = RegisterBlockTiling.IndexOf(tiling);
        var launch = launchRegisterBlocks[index] ??= accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>,
            GemmLayout, float, float, ArrayView<float>, int, int>(RegisterBlockKernels[index],
            RegisterBlockSpecialization(tiling));
        var config = new KernelConfig(new Index3D(plan.Grid.X, plan.Grid.Y, plan.Grid.Z), new Index3D(plan.Group.X, plan.Group.Y, 1),
            SharedMemoryConfig.RequestDynamic<float>(tiling.SharedMemoryFloats));
        Launches++;
        launch(config, a, b, c, layout, alpha, beta, bias, activation, plan.StepsPerSplit * tiling.Depth);
    }

    /// <summary>
    /// The partial sums of a split plain or linear GEMM, in a scratch buffer of their own, grown to the largest split seen
    /// and then reused (a training step's GEMMs keep their shapes, so its steady state allocates nothing).
    /// </summary>
    private ArrayView<float> GemmSplitScratch(long floats)
    {
        Grow(ref gemmSplitScratch, floats);
        return ((ArrayView<float>)gemmSplitScratch!.View).SubView(0, floats);
    }

    private MemoryBuffer1D<float, Stride1D.Dense>? gemmSplitScratch;

    private const string GemmSplitSlot = "gemm split partials";

    /// <summary>The partial sums of a plain or linear GEMM that splits K on this device, in a slot of their own.</summary>
    protected override IReadOnlyList<ScratchNeed> GemmScratchCore(int m, int n, int k) =>
        Shape.AutoGemm == GemmAlgorithm.SharedMemoryRegisterBlocks
        && RegisterBlockGemmPlan.For(m, n, k, Shape.Gemm).PartialFloats(m, n) is > 0 and var floats
            ? [new ScratchNeed(GemmSplitSlot, typeof(float), floats)]
            : [];

    /// <summary>
    /// The group size and occupancy <paramref name="kernel"/> is compiled for: a register-blocks kernel's tiling (its
    /// threads, and the groups a multiprocessor must hold, which caps its registers); none for every other kernel.
    /// </summary>
    internal static KernelSpecialization SpecializationOf(MethodInfo kernel)
    {
        for (var index = 0; index < RegisterBlockKernels.Length; index++)
        {
            if (RegisterBlockKernels[index].Method == kernel)
            {
                return RegisterBlockSpecialization(RegisterBlockTiling.All[index]);
            }
        }
        return new KernelSpecialization();
    }

    private static KernelSpecialization RegisterBlockSpecialization(RegisterBlockTiling tiling) =>
        new(tiling.Threads, tiling.GroupsPerMultiprocessor);

    /// <summary>The register-blocks kernel of each tiling of <see cref="RegisterBlockTiling.All"/>, in its order.</summary>
    private static readonly Action<ArrayView<float>, ArrayView<float>, ArrayView<float>, GemmLayout, float, float, ArrayView<float>,
        int, int>[] RegisterBlockKernels =
        [GemmSharedMemoryRegisterBlocksKernel, GemmSharedMemoryRegisterBlocks64Kernel, GemmSharedMemoryRegisterBlocks32Kernel];

    /// <summary>
    /// c = f(alpha * (the chunks' partial sums added in chunk order) + beta * c + bias): the second launch of a split GEMM,
    /// with the epilogue every GEMM applies.
    /// </summary>
    private void LaunchSumSplits(GemmLayout layout, ArrayView<float> partials, ArrayView<float> c, float alpha, float beta,
        ArrayView<float> bias, int activation, int splits)
    {
        launchSumSplits ??= accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, GemmLayout, float,
            float, ArrayView<float>, int, int, int>(SumSplitsKernel);
        var threads = Threads((long)layout.M * layout.N);
        Launches++;
        launchSumSplits(threads, partials, c, layout, alpha, beta, bias, activation, splits, threads);
    }

    /// <summary>
    /// c(row, col) = f(alpha * sum over z = 0, 1, ... of partials[z M N + row N + col] + beta * c + bias): the chunks of a
    /// split GEMM added in order, then the one epilogue.
    /// </summary>
    [IlgpuKernel]
    internal static void SumSplitsKernel(Index1D index, ArrayView<float> partials, ArrayView<float> c, GemmLayout layout, float alpha,
        float beta, ArrayView<float> bias, int activation, int splits, int stride)
    {
        long outputs = (long)layout.M * layout.N;
        for (long i = index; i < outputs; i += stride)
        {
            var total = 0f;
            for (var split = 0; split < splits; split++)
            {
                total += partials[split * outputs + i];
            }
            var element = (int)i;
            StoreGemmOutput(total, element / layout.N, element % layout.N, layout, c, alpha, beta, bias, activation);
        }
    }

    /// <summary>
    /// <see cref="GemmAlgorithm.Naive"/>: one dot product per output element; threads walk the M*N
    /// outputs with a grid stride, so a few threads (the CPU accelerator) or many (a GPU) cover any size.
    /// Neighbouring threads write neighbouring columns of C, which keeps B's and C's accesses coalesced on a GPU.
    /// </summary>
    [IlgpuKernel]
    internal static void GemmNaiveKernel(Index1D index, ArrayView<float> a, ArrayView<float> b, ArrayView<float> c,
        GemmLayout layout, float alpha, float beta, ArrayView<float> bias, int activation, int stride)
    {
        long outputs = (long)layout.M * layout.N;
        for (long i = index; i < outputs; i += stride)
        {
            // i < M*N, which fits an int because C's buffer holds it.
            var element = (int)i;
            var row = element / layout.N;
            var col = element % layout.N;
            var sum = 0f;
            for (var p = 0; p < layout.K; p++)
            {
                sum += a[row * layout.ARowStride + p * layout.AColStride] * b[p * layout.BRowStride + col * layout.BColStride];
            }
            StoreGemmOutput(sum, row, col, layout, c, alpha, beta, bias, activation);
        }
    }

    /// <summary>
    /// <see cref="GemmAlgorithm.SharedMemoryTiles"/>: a group of T x T threads computes one T x T block of C,
    /// one element per thread. Per step along K it accumulates T products per thread from a T x T tile of
    /// op(A) and of op(B) in shared memory instead of 2T global reads. The group staged those tiles during
    /// the previous step (one element of each per thread, with <see cref="StageTile"/>): the tiles are
    /// double-buffered, so a step costs one barrier. Edge tiles are padded with zeros and the last step stops
    /// at K, so any M, N, K works.
    /// <para>
    /// Launch: groups of (T, T) threads with T = the tile size (16 on a GPU, 4 on the CPU accelerator,
    /// whose barriers cost an OS-thread rendezvous each); grid (ceil(M/T), ceil(N/T)), row blocks in x
    /// because x allows far more blocks than y; dynamic shared memory of 4 * T * (T + 1) floats.
    /// On the CPU accelerator (2 cores) a 37x53x29 (MxKxN) product takes about 0.2 s: fine for tests only.
    /// </para>
    /// </summary>
    [IlgpuKernel(ExplicitlyGrouped = true)]
    internal static void GemmSharedMemoryTilesKernel(ArrayView<float> a, ArrayView<float> b, ArrayView<float> c,
        GemmLayout layout, float alpha, float beta, ArrayView<float> bias, int activation)
    {
        var tile = Group.DimX;
        // One float of padding per tile row: when an operand is contiguous along K, the threads of a warp
        // store down tile columns, and without the padding those stores would land in the same bank.
        var pitch = tile + 1;
        var tileFloats = tile * pitch;
        // Two pairs of tiles, [A, B, A, B]: while the group adds from one pair it stages the next step's into
        // the other, so one barrier a step suffices.
        var shared = SharedMemory.GetDynamic<float>();

        var tx = Group.IdxX;
        var ty = Group.IdxY;
        var rowBase = Grid.IdxX * tile;
        var colBase = Grid.IdxY * tile;
        var thread = ty * tile + tx;
        // A thread outside C has nothing to add up; it still stages its share and meets every barrier.
        var inside = rowBase + ty < layout.M && colBase + tx < layout.N;
        var aStaging = new TileStaging(thread, tile * tile, tile, tile, alongK: layout.AColStride == 1);
        var bStaging = new TileStaging(thread, tile * tile, tile, tile, alongK: layout.BRowStride == 1);

        StageTile(aStaging, a, rowBase, layout.M, layout.ARowStride, 0, layout.K, layout.AColStride, shared.SubView(0, tileFloats), pitch);
        StageTile(bStaging, b, colBase, layout.N, layout.BColStride, 0, layout.K, layout.BRowStride, shared.SubView(tileFloats, tileFloats),
            pitch);
        Group.Barrier();

        var sum = 0f;
        var current = 0;
        for (var kBase = 0; kBase < layout.K; kBase += tile)
        {
            // The other pair was last read in the previous step, which every thread finished before the
            // barrier that ended it, so it may be overwritten now.
            var next = 2 * tileFloats - current;
            var nextK = kBase + tile;
            if (nextK < layout.K)
            {
                StageTile(aStaging, a, rowBase, layout.M, layout.ARowStride, nextK, layout.K, layout.AColStride,
                    shared.SubView(next, tileFloats), pitch);
                StageTile(bStaging, b, colBase, layout.N, layout.BColStride, nextK, layout.K, layout.BRowStride,
                    shared.SubView(next + tileFloats, tileFloats), pitch);
            }

            // Tiles hold element (i, k) at k * pitch + i; the last step stops at K rather than adding the padding.
            var steps = inside ? Math.Min(tile, layout.K - kBase) : 0;
            for (var k = 0; k < steps; k++)
            {
                sum += shared[current + k * pitch + ty] * shared[current + tileFloats + k * pitch + tx];
            }
            // The next pair is staged, and nobody reads this one any more: it may be overwritten next step.
            Group.Barrier();
            current = next;
        }

        StoreGemmOutput(sum, rowBase + ty, colBase + tx, layout, c, alpha, beta, bias, activation);
    }

    /// <summary>
    /// <see cref="GemmAlgorithm.SharedMemoryRegisterBlocks"/> with 128 x 128 tiles (<see cref="RegisterBlockTiling.Wide"/>):
    /// see <see cref="RegisterBlockGemm"/>. One kernel per tiling, so that its sizes are constants to the compiler.
    /// </summary>
    [IlgpuKernel(ExplicitlyGrouped = true)]
    internal static void GemmSharedMemoryRegisterBlocksKernel(ArrayView<float> a, ArrayView<float> b, ArrayView<float> c,
        GemmLayout layout, float alpha, float beta, ArrayView<float> bias, int activation, int chunk) =>
        RegisterBlockGemm(16, a, b, c, layout, alpha, beta, bias, activation, chunk);

    /// <summary>The register-blocks GEMM with 64 x 64 tiles (<see cref="RegisterBlockTiling.Medium"/>).</summary>
    [IlgpuKernel(ExplicitlyGrouped = true)]
    internal static void GemmSharedMemoryRegisterBlocks64Kernel(ArrayView<float> a, ArrayView<float> b, ArrayView<float> c,
        GemmLayout layout, float alpha, float beta, ArrayView<float> bias, int activation, int chunk) =>
        RegisterBlockGemm(8, a, b, c, layout, alpha, beta, bias, activation, chunk);

    /// <summary>The register-blocks GEMM with 32 x 32 tiles (<see cref="RegisterBlockTiling.Narrow"/>).</summary>
    [IlgpuKernel(ExplicitlyGrouped = true)]
    internal static void GemmSharedMemoryRegisterBlocks32Kernel(ArrayView<float> a, ArrayView<float> b, ArrayView<float> c,
        GemmLayout layout, float alpha, float beta, ArrayView<float> bias, int activation, int chunk) =>
        RegisterBlockGemm(4, a, b, c, layout, alpha, beta, bias, activation, chunk);

    /// <summary>
    /// The register-blocks GEMM: a group of S x S threads computes a block of C of 8S x 8S (128 x 128 with S = 16), each
    /// thread 8 x 8 elements of it in 64 registers. Per step along K, S deep, every thread, for each k of the step,
    /// reads 8 values of A and 8 of B from shared memory (four 16-byte loads) and does 64 multiply-adds. The values come
    /// from a tile of op(A) (8S x S) and of op(B) (S x 8S) in shared memory, double-buffered: while the group computes
    /// from one pair, each thread has already issued its 8 global loads of each operand for the next step into registers
    /// (so they are in flight together, behind the arithmetic), and stores them into the other pair after it; one barrier
    /// a step. <paramref name="side"/> is a constant at every call, so tile sizes, pitches and the k loop are constants
    /// to the compiler: shared-memory addresses are a register plus an offset, and the loop unrolls.
    /// <para>
    /// Edges: tiles are padded with zeros beyond M, N and the chunk's end of K, and every k of a step is added: a padded
    /// product is 0 * 0, which leaves a sum as it is. Only elements inside C are written, so any M, N, K works.
    /// </para>
    /// <para>
    /// A thread's rows are 4ty .. 4ty+3 and 4S + 4ty .. 4S + 4ty + 3 of the block (its columns likewise with tx): four
    /// neighbouring values of a tile row are one 16-byte load, the threads of a warp that share a ty read the same A
    /// words (a broadcast), and 16 threads read 256 contiguous bytes of B. Tiles are stored k-major (element (i, k) at
    /// k * pitch + i) with a pitch of 8S + 4 floats, a multiple of 4 that keeps the 16-byte loads aligned.
    /// </para>
    /// <para>
    /// Launch (<see cref="LaunchRegisterBlockKernel"/>): groups of (S, S) threads; grid (ceil(M/8S), ceil(N/8S), splits),
    /// row blocks in x, which allows far more blocks than y; dynamic shared memory of
    /// <see cref="RegisterBlockTiling.SharedMemoryFloats"/>. Group z adds k in [z chunk, (z + 1) chunk) and, with
    /// more than one, writes plain sums to c[z M N ..] for the sum of the chunks.
    /// </para>
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void RegisterBlockGemm(int side, ArrayView<float> a, ArrayView<float> b, ArrayView<float> c, GemmLayout layout,
        float alpha, float beta, ArrayView<float> bias, int activation, int chunk)
    {
        var tile = side * RegisterRow.Width;
        var half = tile / 2;
        var depth = side;
        var pitch = tile + 4;
        var tileFloats = depth * pitch;
        // Two pairs of tiles, [A, B, A, B].
        var shared = SharedMemory.GetDynamic<float>();
        var quads = shared.Cast<Quad>();

        var tx = Group.IdxX;
        var ty = Group.IdxY;
        var rowBase = Grid.IdxX * tile;
        var colBase = Grid.IdxY * tile;
        var thread = ty * side + tx;
        var aAlongK = layout.AColStride == 1;
        var bAlongK = layout.BRowStride == 1;
        var kStart = Grid.IdxZ * chunk;
        var kEnd = Math.Min(layout.K, kStart + chunk);
        var output = c.SubView((long)Grid.IdxZ * layout.M * layout.N, (long)layout.M * layout.N);

        var aStaged = LoadTileShare(side, thread, aAlongK, a, rowBase, layout.M, layout.ARowStride, kStart, kEnd, layout.AColStride);
        var bStaged = LoadTileShare(side, thread, bAlongK, b, colBase, layout.N, layout.BColStride, kStart, kEnd, layout.BRowStride);
        StoreTileShare(side, thread, aAlongK, aStaged, shared, 0, pitch);
        StoreTileShare(side, thread, bAlongK, bStaged, shared, tileFloats, pitch);
        Group.Barrier();

        RegisterRow c0 = default, c1 = default, c2 = default, c3 = default, c4 = default, c5 = default, c6 = default, c7 = default;
        var current = 0;
        for (var kBase = kStart; kBase < kEnd; kBase += depth)
        {
            var nextK = kBase + depth;
            // Past the chunk's end the loads are all padding (zeros, nothing read), so the last step needs no branch.
            aStaged = LoadTileShare(side, thread, aAlongK, a, rowBase, layout.M, layout.ARowStride, nextK, kEnd, layout.AColStride);
            bStaged = LoadTileShare(side, thread, bAlongK, b, colBase, layout.N, layout.BColStride, nextK, kEnd, layout.BRowStride);

            // Quads: the tile row of k starts at (current + k pitch) / 4; this thread's A values are quads ty and S + ty of it.
            var aQuad = current / 4 + ty;
            var bQuad = (current + tileFloats) / 4 + tx;
            for (var k = 0; k < depth; k++)
            {
                var aValues = RegisterRow.FromQuads(quads[aQuad + k * pitch / 4], quads[aQuad + k * pitch / 4 + half / 4]);
                var bValues = RegisterRow.FromQuads(quads[bQuad + k * pitch / 4], quads[bQuad + k * pitch / 4 + half / 4]);
                c0 = RegisterRow.MultiplyAdd(c0, aValues.V0, bValues);
                c1 = RegisterRow.MultiplyAdd(c1, aValues.V1, bValues);
                c2 = RegisterRow.MultiplyAdd(c2, aValues.V2, bValues);
                c3 = RegisterRow.MultiplyAdd(c3, aValues.V3, bValues);
                c4 = RegisterRow.MultiplyAdd(c4, aValues.V4, bValues);
                c5 = RegisterRow.MultiplyAdd(c5, aValues.V5, bValues);
                c6 = RegisterRow.MultiplyAdd(c6, aValues.V6, bValues);
                c7 = RegisterRow.MultiplyAdd(c7, aValues.V7, bValues);
            }

            // The other pair was last read in the previous step, which every thread finished before the barrier that
            // ended it, so it may be overwritten now.
            var next = 2 * tileFloats - current;
            StoreTileShare(side, thread, aAlongK, aStaged, shared, next, pitch);
            StoreTileShare(side, thread, bAlongK, bStaged, shared, next + tileFloats, pitch);
            Group.Barrier();
            current = next;
        }

        // One call of the epilogue in a loop, picking the registers by index, rather than 64 inlined copies of it (with
        // every activation's code): the picking runs once per element, the copies would bloat the kernel.
        for (var i = 0; i < RegisterRow.Width; i++)
        {
            var sums = i switch
            {
                0 => c0,
                1 => c1,
                2 => c2,
                3 => c3,
                4 => c4,
                5 => c5,
                6 => c6,
                _ => c7,
            };
            var row = rowBase + (i < 4 ? 4 * ty + i : half + 4 * ty + i - 4);
            for (var j = 0; j < RegisterRow.Width; j++)
            {
                var col = colBase + (j < 4 ? 4 * tx + j : half + 4 * tx + j - 4);
                StoreGemmOutput(RegisterRow.Element(sums, j), row, col, layout, output, alpha, beta, bias, activation);
            }
        }
    }

    /// <summary>
    /// This thread's 8 elements of one operand's next tile (8S wide, S deep), read from global memory into registers:
    /// element e = thread + j S^2 of the tile, numbered along the direction the operand is contiguous in ("fast": along
    /// K when <paramref name="alongK"/>, else along the tile's width), so that neighbouring threads read neighbouring
    /// words. tile(i, p) = op(X)(outerBase + i, kBase + p) = source[(outerBase + i) outerStride + (kBase + p) kStride],
    /// 0 outside the operand (outer index at or past <paramref name="outerExtent"/>, or k at or past <paramref name="kEnd"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static RegisterRow LoadTileShare(int side, int thread, bool alongK, ArrayView<float> source, int outerBase, int outerExtent,
        int outerStride, int kBase, int kEnd, int kStride) => new(
        LoadTileElement(side, thread, 0, alongK, source, outerBase, outerExtent, outerStride, kBase, kEnd, kStride),
        LoadTileElement(side, thread, 1, alongK, source, outerBase, outerExtent, outerStride, kBase, kEnd, kStride),
        LoadTileElement(side, thread, 2, alongK, source, outerBase, outerExtent, outerStride, kBase, kEnd, kStride),
        LoadTileElement(side, thread, 3, alongK, source, outerBase, outerExtent, outerStride, kBase, kEnd, kStride),
        LoadTileElement(side, thread, 4, alongK, source, outerBase, outerExtent, outerStride, kBase, kEnd, kStride),
        LoadTileElement(side, thread, 5, alongK, source, outerBase, outerExtent, outerStride, kBase, kEnd, kStride),
        LoadTileElement(side, thread, 6, alongK, source, outerBase, outerExtent, outerStride, kBase, kEnd, kStride),
        LoadTileElement(side, thread, 7, alongK, source, outerBase, outerExtent, outerStride, kBase, kEnd, kStride));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float LoadTileElement(int side, int thread, int j, bool alongK, ArrayView<float> source, int outerBase, int outerExtent,
        int outerStride, int kBase, int kEnd, int kStride)
    {
        var (i, p) = TileCoordinates(side, thread, j, alongK);
        var outer = outerBase + i;
        var inner = kBase + p;
        return outer < outerExtent && inner < kEnd ? source[outer * outerStride + inner * kStride] : 0f;
    }

    /// <summary>Stores the 8 elements <see cref="LoadTileShare"/> read into the tile at <paramref name="tileStart"/>: (i, p) at p pitch + i.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreTileShare(int side, int thread, bool alongK, RegisterRow staged, ArrayView<float> shared, int tileStart,
        int pitch)
    {
        for (var j = 0; j < RegisterRow.Width; j++)
        {
            var (i, p) = TileCoordinates(side, thread, j, alongK);
            shared[tileStart + p * pitch + i] = RegisterRow.Element(staged, j);
        }
    }

    /// <summary>
    /// Where element j of this thread's share lies in the tile: (i along the width, p along K). The sizes are powers of two
    /// and constants, so the division and remainder are shifts and masks.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (int I, int P) TileCoordinates(int side, int thread, int j, bool alongK)
    {
        var element = thread + j * side * side;
        var depth = side;
        var width = side * RegisterRow.Width;
        return alongK ? (element / depth, element % depth) : (element % width, element / width);
    }


    /// <summary>
    /// Copies this thread's share of one operand's tile into shared memory:
    /// tile[p * pitch + i] = op(X)(outerBase + i, kBase + p) = source[(outerBase + i) * outerStride + (kBase + p) * kStride],
    /// or 0 outside the operand (outer index at or past <paramref name="outerExtent"/>, or k at or past K).
    /// For op(A) the outer index is the row of C, for op(B) its column.
    /// </summary>
    private static void StageTile(TileStaging staging, ArrayView<float> source, int outerBase, int outerExtent, int outerStride,
        int kBase, int k, int kStride, ArrayView<float> tile, int pitch)
    {
        var fast = staging.FastStart;
        var slow = staging.SlowStart;
        while (slow < staging.SlowSize)
        {
            var i = staging.AlongK ? slow : fast;
            var p = staging.AlongK ? fast : slow;
            var outer = outerBase + i;
            var inner = kBase + p;
            tile[p * pitch + i] = outer < outerExtent && inner < k ? source[outer * outerStride + inner * kStride] : 0f;
            fast += staging.FastStep;
            slow += staging.SlowStep;
            if (fast >= staging.FastSize)
            {
                fast -= staging.FastSize;
                slow++;
            }
        }
    }

    /// <summary>
    /// The one GEMM epilogue, shared by every GEMM kernel: C(row, col) = f(alpha * sum + beta * C(row, col) + bias[col]),
    /// where beta 0 never reads C, an empty <paramref name="bias"/> adds nothing and <see cref="NoActivation"/> applies
    /// no f (the order of the reference composition: GEMM, bias add, activation). Elements outside C are skipped,
    /// so a kernel may call it for the whole of its tile.
    /// </summary>
    private static void StoreGemmOutput(float sum, int row, int col, GemmLayout layout, ArrayView<float> c, float alpha, float beta,
        ArrayView<float> bias, int activation)
    {
        if (row >= layout.M || col >= layout.N)
        {
            return;
        }
        var element = row * layout.N + col;
        var value = beta == 0f ? alpha * sum : alpha * sum + beta * c[element];
        // A branch, not a select, guards the bias load: an empty view must never be read. (ILGPU turns only
        // branches without memory operations into selects.)
        if (bias.Length > 0)
        {
            value += bias[col];
        }
        c[element] = activation == NoActivation ? value : Activate((Activation)activation, value);
    }
}
