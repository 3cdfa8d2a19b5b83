using ILGPU;
using ILGPU.Runtime;

namespace Descent.Kernels.Ilgpu;

// GEMM: C (M,N) = alpha * op(A) (M,K) * op(B) (K,N) + beta * C, row-major; GemmLayout says where op(A)
// and op(B) find their elements, so transposes cost nothing. When beta is 0, C is only written, never
// read: its old contents, even NaN, cannot reach the result. Both algorithms add the K products in the
// same order, k = 0, 1, ..., as the CPU reference does.
public sealed partial class IlgpuBackend
{
    private Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, GemmLayout, float, float, int>? launchGemmNaive;
    private Action<KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, GemmLayout, float, float>?
        launchGemmSharedMemoryTiles;

    protected override void GemmCore(bool transposeA, bool transposeB, int m, int n, int k, float alpha,
        DeviceBuffer<float> a, DeviceBuffer<float> b, float beta, DeviceBuffer<float> c, GemmAlgorithm algorithm)
    {
        var layout = new GemmLayout(transposeA, transposeB, m, n, k);
        if ((algorithm == GemmAlgorithm.Auto ? autoGemm : algorithm) == GemmAlgorithm.SharedMemoryTiles)
        {
            launchGemmSharedMemoryTiles ??= accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>,
                GemmLayout, float, float>(GemmSharedMemoryTilesKernel);
            var tile = gemmTile;
            var config = new KernelConfig(
                new Index2D((m + tile - 1) / tile, (n + tile - 1) / tile),
                new Index2D(tile, tile),
                SharedMemoryConfig.RequestDynamic<float>(2 * tile * (tile + 1)));
            launchGemmSharedMemoryTiles(config, View(a), View(b), View(c), layout, alpha, beta);
        }
        else
        {
            launchGemmNaive ??= accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>,
                ArrayView<float>, GemmLayout, float, float, int>(GemmNaiveKernel);
            var threads = Threads((long)m * n);
            launchGemmNaive(threads, View(a), View(b), View(c), layout, alpha, beta, threads);
        }
    }

    /// <summary>
    /// <see cref="GemmAlgorithm.Naive"/>: one dot product per output element; threads walk the M*N
    /// outputs with a grid stride, so a few threads (the CPU accelerator) or many (a GPU) cover any size.
    /// Neighbouring threads write neighbouring columns of C, which keeps B's and C's accesses coalesced on a GPU.
    /// </summary>
    [IlgpuKernel]
    internal static void GemmNaiveKernel(Index1D index, ArrayView<float> a, ArrayView<float> b, ArrayView<float> c,
        GemmLayout layout, float alpha, float beta, int stride)
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
            c[element] = beta == 0f ? alpha * sum : alpha * sum + beta * c[element];
        }
    }

    /// <summary>
    /// <see cref="GemmAlgorithm.SharedMemoryTiles"/>: a group of T x T threads computes one T x T block of C.
    /// Per step along K it stages a T x T tile of op(A) and of op(B) in shared memory (one element per
    /// thread), waits at a barrier, and accumulates T products per thread from shared memory instead of
    /// 2T global reads. Edge tiles are padded with zeros, so any M, N, K works.
    /// <para>
    /// Launch: groups of (T, T) threads with T = the tile size (16 on a GPU, 4 on the CPU accelerator,
    /// whose barriers cost an OS-thread rendezvous each); grid (ceil(M/T), ceil(N/T)), row blocks in x
    /// because x allows far more blocks than y; dynamic shared memory of 2 * T * (T + 1) floats.
    /// On the CPU accelerator (2 cores) a 37x53x29 (MxKxN) product takes about 0.2 s: fine for tests only.
    /// </para>
    /// </summary>
    [IlgpuKernel(ExplicitlyGrouped = true)]
    internal static void GemmSharedMemoryTilesKernel(ArrayView<float> a, ArrayView<float> b, ArrayView<float> c,
        GemmLayout layout, float alpha, float beta)
    {
        var tile = Group.DimX;
        // One float of padding per tile row: a transposed load writes a tile column, and without the
        // padding those T writes would land in the same shared-memory bank.
        var pitch = tile + 1;
        var shared = SharedMemory.GetDynamic<float>();
        var aTile = shared.SubView(0, tile * pitch);
        var bTile = shared.SubView(tile * pitch, tile * pitch);

        var tx = Group.IdxX;
        var ty = Group.IdxY;
        var rowBase = Grid.IdxX * tile;
        var colBase = Grid.IdxY * tile;
        var sum = 0f;
        for (var kBase = 0; kBase < layout.K; kBase += tile)
        {
            // aTile[r, p] = op(A)(rowBase + r, kBase + p). Threads adjacent in x load adjacent addresses:
            // along p when A is stored M x K, along r when it is stored transposed.
            var aRowMajor = layout.AColStride == 1;
            var r = aRowMajor ? ty : tx;
            var p = aRowMajor ? tx : ty;
            aTile[r * pitch + p] = rowBase + r < layout.M && kBase + p < layout.K
                ? a[(rowBase + r) * layout.ARowStride + (kBase + p) * layout.AColStride]
                : 0f;

            // bTile[p, q] = op(B)(kBase + p, colBase + q), again with x along B's contiguous direction.
            var bRowMajor = layout.BColStride == 1;
            p = bRowMajor ? ty : tx;
            var q = bRowMajor ? tx : ty;
            bTile[p * pitch + q] = kBase + p < layout.K && colBase + q < layout.N
                ? b[(kBase + p) * layout.BRowStride + (colBase + q) * layout.BColStride]
                : 0f;

            Group.Barrier();
            for (var j = 0; j < tile; j++)
            {
                sum += aTile[ty * pitch + j] * bTile[j * pitch + tx];
            }
            // Nobody may overwrite the tiles for the next step while a neighbour still reads them.
            Group.Barrier();
        }

        var row = rowBase + ty;
        var col = colBase + tx;
        if (row < layout.M && col < layout.N)
        {
            var element = row * layout.N + col;
            c[element] = beta == 0f ? alpha * sum : alpha * sum + beta * c[element];
        }
    }
}
