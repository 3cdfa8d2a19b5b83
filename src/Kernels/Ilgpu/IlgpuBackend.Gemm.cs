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

    /// <summary>Shared-memory banks of an NVIDIA GPU, 4 bytes wide: 32 threads of a warp hit each bank once at best.</summary>
    private const int SharedMemoryBanks = 32;

    private Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, GemmLayout, float, float, ArrayView<float>, int, int>?
        launchGemmNaive;
    private Action<KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, GemmLayout, float, float, ArrayView<float>, int>?
        launchGemmSharedMemoryTiles;
    private Action<KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, GemmLayout, float, float, ArrayView<float>, int,
        int>? launchGemmSharedMemoryRegisterBlocks;

    // No bias is a view of no elements into C rather than ArrayView<float>.Empty: a launch on a GPU passes each
    // view as the address of its element 0, which a view with no buffer behind it does not have.
    protected override void GemmCore(bool transposeA, bool transposeB, int m, int n, int k, float alpha,
        DeviceBuffer<float> a, DeviceBuffer<float> b, float beta, DeviceBuffer<float> c, GemmAlgorithm algorithm) =>
        LaunchGemm(new GemmLayout(transposeA, transposeB, m, n, k), View(a), View(b), View(c), alpha, beta, View(c).SubView(0, 0),
            NoActivation, algorithm);

    /// <summary>y = f(x W^T + bias) in one launch: GEMM NT with the bias and the activation in its epilogue.</summary>
    protected override void LinearForwardCore(DeviceBuffer<float> x, DeviceBuffer<float> weight, DeviceBuffer<float> bias,
        DeviceBuffer<float> y, int rows, int inputs, int outputs, Activation? activation) =>
        LaunchGemm(new GemmLayout(false, true, rows, outputs, inputs), View(x), View(weight), View(y), 1f, 0f, View(bias),
            activation is { } f ? ActivationKind(f) : NoActivation, GemmAlgorithm.Auto);

    /// <summary>
    /// One launch of the GEMM <paramref name="algorithm"/> names (Auto: the shape's choice), with the epilogue
    /// <paramref name="bias"/> (empty for none) and <paramref name="activation"/> (<see cref="NoActivation"/> for none).
    /// </summary>
    private void LaunchGemm(GemmLayout layout, ArrayView<float> a, ArrayView<float> b, ArrayView<float> c, float alpha, float beta,
        ArrayView<float> bias, int activation, GemmAlgorithm algorithm)
    {
        switch (algorithm == GemmAlgorithm.Auto ? Shape.AutoGemm : algorithm)
        {
            case GemmAlgorithm.SharedMemoryRegisterBlocks:
                LaunchRegisterBlockGemm(layout, a, b, c, alpha, beta, bias, activation, splits: 1);
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
    /// One launch of the register-blocks GEMM. With <paramref name="splits"/> above 1 it splits K into that many
    /// chunks, a layer of groups each (grid z), and chunk z writes its partial product, with the epilogue, to
    /// c[z M N ..]: for a product with few blocks of C and a long K (a convolution's weight gradient: 64 x 288
    /// outputs, K = 36864), whose few groups would otherwise leave most of a GPU idle. The caller then sums the partials.
    /// </summary>
    private void LaunchRegisterBlockGemm(GemmLayout layout, ArrayView<float> a, ArrayView<float> b, ArrayView<float> c, float alpha,
        float beta, ArrayView<float> bias, int activation, int splits)
    {
        launchGemmSharedMemoryRegisterBlocks ??= accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<float>,
            ArrayView<float>, GemmLayout, float, float, ArrayView<float>, int, int>(GemmSharedMemoryRegisterBlocksKernel);
        var (side, tile) = RegisterBlockSides();
        var depth = Shape.RegisterBlockDepth;
        var config = new KernelConfig(
            new Index3D((layout.M + tile - 1) / tile, (layout.N + tile - 1) / tile, splits),
            new Index3D(side, side, 1),
            SharedMemoryConfig.RequestDynamic<float>(4 * depth * RegisterBlockTilePitch(tile, depth)));
        Launches++;
        launchGemmSharedMemoryRegisterBlocks(config, a, b, c, layout, alpha, beta, bias, activation, depth);
    }

    /// <summary>The register-blocks GEMM's group side S and block side 8S: whole 8 x 8 blocks per thread, whatever the shape asks for.</summary>
    private (int Side, int Tile) RegisterBlockSides()
    {
        var side = Shape.RegisterBlockTile / RegisterRow.Width;
        return (side, side * RegisterRow.Width);
    }

    /// <summary>
    /// How far along K each of <paramref name="splits"/> chunks of a split register-blocks GEMM reaches: whole steps
    /// of <paramref name="depth"/>. The last chunks may be short or empty (an empty one writes zeros).
    /// </summary>
    private static int SplitChunk(int k, int depth, int splits) => ((k + depth - 1) / depth + splits - 1) / splits * depth;

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
    /// <see cref="GemmAlgorithm.SharedMemoryRegisterBlocks"/>: a group of S x S threads computes a block of C
    /// of 8S x 8S (128 x 128 on a GPU), each thread 8 x 8 elements of it in 64 registers. Per step along K
    /// every thread, for each k of the step, reads 8 values of A and 8 of B from shared memory and does 64
    /// multiply-adds: 4 per shared load where the shared-memory-tiles GEMM does 1/2. The values come from a
    /// tile of op(A) (8S x D) and of op(B) (D x 8S), D = <paramref name="depth"/> deep, that the group staged in
    /// shared memory during the previous step, each thread copying 8S D / S^2 elements of each; the tiles are
    /// double-buffered, so a step costs one barrier, and a GPU's loads for the next step overlap this one's
    /// arithmetic. Edges are bounds-checked: tiles are padded with zeros, the last step stops at K, and only
    /// elements inside C are written, so any M, N, K works.
    /// <para>
    /// A thread's 8 rows and 8 columns are spread S apart (rows ty, ty + S, ..., columns tx, tx + S, ...):
    /// adjacent threads then read adjacent words of the B tile (no bank conflicts) and write adjacent
    /// columns of C (coalesced), and the threads of a warp that share a ty read one word of A (a broadcast).
    /// Tiles are stored k-major (element (i, k) at k * pitch + i), so each k's 8 values are one strided row.
    /// </para>
    /// <para>
    /// Launch: groups of (S, S) threads, x along the columns; grid (ceil(M/8S), ceil(N/8S), splits), row blocks in
    /// x as for shared-memory tiles; dynamic shared memory of 4 D <see cref="RegisterBlockTilePitch"/> floats
    /// (two pairs of tiles: 32.5 KiB on a GPU). With one split (grid z of 1) the groups add the whole of K; with
    /// more, see <see cref="LaunchRegisterBlockGemm"/>.
    /// </para>
    /// </summary>
    [IlgpuKernel(ExplicitlyGrouped = true)]
    internal static void GemmSharedMemoryRegisterBlocksKernel(ArrayView<float> a, ArrayView<float> b, ArrayView<float> c,
        GemmLayout layout, float alpha, float beta, ArrayView<float> bias, int activation, int depth)
    {
        var side = Group.DimX;
        var tile = side * RegisterRow.Width;
        var pitch = RegisterBlockTilePitch(tile, depth);
        var tileFloats = depth * pitch;
        // Two pairs of tiles, [A, B, A, B]: while the group computes from one pair it stages the next step's
        // into the other, so one barrier a step suffices.
        var shared = SharedMemory.GetDynamic<float>();

        var tx = Group.IdxX;
        var ty = Group.IdxY;
        var rowBase = Grid.IdxX * tile;
        var colBase = Grid.IdxY * tile;
        var thread = ty * side + tx;
        var threads = side * side;
        // A thread whose first row or first column lies outside C has nothing to add up (its others lie further
        // out): it still stages its share and meets every barrier. Edge tiles, the whole tile when M or N is
        // small, then cost the arithmetic of their elements inside C only.
        var inside = rowBase + ty < layout.M && colBase + tx < layout.N;
        var aStaging = new TileStaging(thread, threads, tile, depth, alongK: layout.AColStride == 1);
        var bStaging = new TileStaging(thread, threads, tile, depth, alongK: layout.BRowStride == 1);
        // This group's chunk of K, and its block of c: all of K and c itself unless K is split (grid z).
        var chunk = Grid.DimZ == 1 ? layout.K : SplitChunk(layout.K, depth, Grid.DimZ);
        var kStart = Grid.IdxZ * chunk;
        var kEnd = Math.Min(layout.K, kStart + chunk);
        var output = c.SubView((long)Grid.IdxZ * layout.M * layout.N, (long)layout.M * layout.N);

        StageTile(aStaging, a, rowBase, layout.M, layout.ARowStride, kStart, kEnd, layout.AColStride, shared.SubView(0, tileFloats),
            pitch);
        StageTile(bStaging, b, colBase, layout.N, layout.BColStride, kStart, kEnd, layout.BRowStride,
            shared.SubView(tileFloats, tileFloats), pitch);
        Group.Barrier();

        RegisterRow c0 = default, c1 = default, c2 = default, c3 = default, c4 = default, c5 = default, c6 = default, c7 = default;
        var current = 0;
        for (var kBase = kStart; kBase < kEnd; kBase += depth)
        {
            // The other pair was last read in the previous step, which every thread finished before the
            // barrier that ended it, so it may be overwritten now.
            var next = 2 * tileFloats - current;
            var nextK = kBase + depth;
            if (nextK < kEnd)
            {
                StageTile(aStaging, a, rowBase, layout.M, layout.ARowStride, nextK, kEnd, layout.AColStride,
                    shared.SubView(next, tileFloats), pitch);
                StageTile(bStaging, b, colBase, layout.N, layout.BColStride, nextK, kEnd, layout.BRowStride,
                    shared.SubView(next + tileFloats, tileFloats), pitch);
            }

            // The last step stops at the chunk's end rather than adding the tiles' zero padding: the sums stay
            // those of k = kStart .. kEnd-1 exactly.
            var steps = inside ? Math.Min(depth, kEnd - kBase) : 0;
            for (var k = 0; k < steps; k++)
            {
                var aValues = RegisterRow.Load(shared, current + k * pitch + ty, side);
                var bValues = RegisterRow.Load(shared, current + tileFloats + k * pitch + tx, side);
                c0 = RegisterRow.MultiplyAdd(c0, aValues.V0, bValues);
                c1 = RegisterRow.MultiplyAdd(c1, aValues.V1, bValues);
                c2 = RegisterRow.MultiplyAdd(c2, aValues.V2, bValues);
                c3 = RegisterRow.MultiplyAdd(c3, aValues.V3, bValues);
                c4 = RegisterRow.MultiplyAdd(c4, aValues.V4, bValues);
                c5 = RegisterRow.MultiplyAdd(c5, aValues.V5, bValues);
                c6 = RegisterRow.MultiplyAdd(c6, aValues.V6, bValues);
                c7 = RegisterRow.MultiplyAdd(c7, aValues.V7, bValues);
            }
            // The next pair is staged, and nobody reads this one any more: it may be overwritten next step.
            Group.Barrier();
            current = next;
        }

        // One call of the epilogue in a loop, picking the registers by index, rather than 64 inlined copies
        // of it (with every activation's code): the picking runs once per element, the copies would bloat the kernel.
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
            for (var j = 0; j < RegisterRow.Width; j++)
            {
                StoreGemmOutput(RegisterRow.Element(sums, j), rowBase + ty + i * side, colBase + tx + j * side, layout, output, alpha,
                    beta, bias, activation);
            }
        }
    }

    /// <summary>
    /// Floats from one k's row of a register-blocks tile in shared memory to the next: the tile's width plus
    /// padding. When an operand is contiguous along K, the 32 threads of a warp stage 32 / D rows of D elements,
    /// storing to (k pitch + i); with a padding of 32 / D those land in 32 different banks, where without it
    /// D of them (k = 0 .. D-1, same i) would share one. Both the launch and the kernel size the tiles with it.
    /// </summary>
    private static int RegisterBlockTilePitch(int tile, int depth) => tile + Math.Max(1, SharedMemoryBanks / depth);

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
