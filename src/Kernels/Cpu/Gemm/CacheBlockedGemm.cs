using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Descent.Kernels.Cpu.Gemm;

/// <summary>
/// Cache-blocked, register-tiled SGEMM in the BLIS/GotoBLAS shape, C = alpha op(A) op(B) + beta C,
/// with the bias and activation of a linear layer optionally fused into the store.
/// <para>
/// Loops, outermost first: a thread's columns in blocks of <see cref="ColumnBlock"/> (NC); K in
/// blocks of at most <see cref="StepBlock"/> (KC), each B block packed once into NR-wide panels;
/// the rows in MR-row micro-panels of A; the NR-column panels of the packed B block; the micro-kernel
/// over the K block. One A micro-panel (MR x KC) stays in L1 while the kernel sweeps it across every
/// B panel of the block, which stream from L2.
/// </para>
/// <para>
/// Sizes, for a core with 32 KiB of L1 data and 1 MiB of L2 (Zen 4; Intel server cores are alike):
/// KC = 256 keeps an A micro-panel at 8 KiB (8 x 256 floats), a quarter of L1, leaving room for the
/// B lines passing through; NC = 512 makes the packed B block KC x NC = 512 KiB, half of L2, so it
/// is read from L2 for every A micro-panel and never evicted by it. K is cut into equal blocks no
/// larger than KC (784 = 4 x 196), so no block is a sliver.
/// </para>
/// <para>
/// Threads: every thread owns a rectangle of C and packs what it reads itself, so one dispatch covers
/// the whole product and no thread waits for another's packing. Columns are split when there are
/// at least as many NR panels as threads, else rows. Each element of C is always summed in the same
/// order (K blocks in order, each in order inside the micro-kernel), whatever the split, so results are
/// bit-reproducible, and independent of the thread count too.
/// </para>
/// </summary>
internal sealed unsafe class CacheBlockedGemm<TKernel> : ICacheBlockedGemm, IParallelJob where TKernel : struct, IGemmMicroKernel
{
    /// <summary>KC: the largest block of K one micro-kernel call sums.</summary>
    public const int StepBlock = 256;

    /// <summary>NC: columns of B packed at once per thread.</summary>
    public const int ColumnBlock = 512;

    // Under about half a million multiply-adds (a few microseconds) a dispatch to the workers costs
    // more than it saves: the 784-128-10 model's second layer (128 x 128 x 10) runs on one thread.
    private const long SerialBelow = 1L << 19;

    private readonly WorkerPool pool;
    private readonly ThreadScratch[] scratch;
    private GemmProblem problem;

    public CacheBlockedGemm(WorkerPool pool)
    {
        this.pool = pool;
        scratch = new ThreadScratch[pool.Threads];
        for (var i = 0; i < scratch.Length; i++)
        {
            scratch[i] = new ThreadScratch(TKernel.Rows, TKernel.Columns);
        }
    }

    public string Description { get; } = $"{TKernel.InstructionSet} SGEMM, {TKernel.Rows}x{TKernel.Columns} register tile";

    public void Multiply(in GemmProblem call)
    {
        problem = call;
        if ((long)call.M * call.N * call.K < SerialBelow || pool.Threads == 1)
        {
            Compute(call, 0, RowPanels(call.M), 0, ColumnPanels(call.N), scratch[0]);
        }
        else
        {
            pool.Run(this);
        }
    }

    public void MultiplyOnThread(in GemmProblem call, int thread) =>
        Compute(call, 0, RowPanels(call.M), 0, ColumnPanels(call.N), scratch[thread]);

    public void Dispose()
    {
        foreach (var buffers in scratch)
        {
            buffers.Dispose();
        }
    }

    void IParallelJob.Run(int part, int parts)
    {
        var rowPanels = RowPanels(problem.M);
        var columnPanels = ColumnPanels(problem.N);
        if (columnPanels >= parts)
        {
            Compute(problem, 0, rowPanels, Slice(columnPanels, part, parts), Slice(columnPanels, part + 1, parts), scratch[part]);
        }
        else if (rowPanels >= parts)
        {
            Compute(problem, Slice(rowPanels, part, parts), Slice(rowPanels, part + 1, parts), 0, columnPanels, scratch[part]);
        }
        else if (part < columnPanels)
        {
            Compute(problem, 0, rowPanels, part, part + 1, scratch[part]);
        }
    }

    private static int RowPanels(int m) => (m + TKernel.Rows - 1) / TKernel.Rows;

    private static int ColumnPanels(int n) => (n + TKernel.Columns - 1) / TKernel.Columns;

    private static int Slice(int count, int part, int parts) => (int)((long)count * part / parts);

    /// <summary>C over row panels [rowPanelStart, rowPanelEnd) and column panels [columnPanelStart, columnPanelEnd).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Compute(in GemmProblem problem, int rowPanelStart, int rowPanelEnd, int columnPanelStart, int columnPanelEnd,
        ThreadScratch buffers)
    {
        var mr = TKernel.Rows;
        var nr = TKernel.Columns;
        var (m, n, k) = (problem.M, problem.N, problem.K);
        var output = problem.Output;
        var columnStart = columnPanelStart * nr;
        var columnEnd = Math.Min(columnPanelEnd * nr, n);
        var stepBlocks = (k + StepBlock - 1) / StepBlock;
        var stepsPerBlock = (k + stepBlocks - 1) / stepBlocks;
        // A product that is all of C's new value (one block of K, alpha 1, beta 0, nothing added or applied) goes from the
        // registers straight into C wherever a whole tile fits: the same bits as the epilogue's, without the spill and its
        // second pass (a weight gradient's K is the batch, so the spill was a fifth of its tile's work).
        var storeDirect = stepBlocks == 1 && output.OverwritesWithProduct;
        // Over several blocks of K with alpha 1 a whole tile sums in C itself: the first block (beta 0) overwrites it, each
        // later one starts its registers from it, and only the last applies the bias and activation, in place. Through the
        // spill instead, every block paid a second pass over its tile (a quarter of the 9216-deep linear forward's time).
        var sumInC = stepBlocks > 1 && output.Alpha == 1f && output.Beta == 0f;
        var finish = new GemmOutput(output.C, 1f, 0f, output.Bias, output.Activation, output.RowBias);
        var finishInPlace = !output.OverwritesWithProduct;
        // A row-major A read in place puts MR rows K floats apart; packing it is worth its copy once a
        // micro-panel is reused across enough B panels (and it avoids L1 set conflicts when K is a
        // power of two). Transposed A is read in place: its MR values per step are already contiguous.
        var packA = !problem.TransposeA && columnEnd - columnStart >= 8 * nr;
        var aRowStride = problem.TransposeA ? 1 : (nint)k;
        var aStepStride = problem.TransposeA ? (nint)m : 1;

        for (var blockStart = columnStart; blockStart < columnEnd; blockStart += ColumnBlock)
        {
            var blockColumns = Math.Min(ColumnBlock, columnEnd - blockStart);
            for (var stepBlock = 0; stepBlock < stepBlocks; stepBlock++)
            {
                var p0 = stepBlock * stepsPerBlock;
                var kc = Math.Min(stepsPerBlock, k - p0);
                var first = stepBlock == 0;
                var last = stepBlock == stepBlocks - 1;
                GemmPacking.PackB(problem.B, problem.TransposeB, n, k, p0, kc, blockStart, blockColumns, nr, buffers.PackedB);
                for (var rowPanel = rowPanelStart; rowPanel < rowPanelEnd; rowPanel++)
                {
                    var row = rowPanel * mr;
                    var rows = Math.Min(mr, m - row);
                    var a = problem.TransposeA ? problem.A + (long)p0 * m + row : problem.A + (long)row * k + p0;
                    var rowStride = aRowStride;
                    var stepStride = aStepStride;
                    if (packA || rows < mr)
                    {
                        GemmPacking.PackA(a, rowStride, stepStride, rows, kc, mr, buffers.PackedA);
                        a = buffers.PackedA;
                        rowStride = 1;
                        stepStride = mr;
                    }
                    for (var panelStart = 0; panelStart < blockColumns; panelStart += nr)
                    {
                        var column = blockStart + panelStart;
                        var cols = Math.Min(nr, n - column);
                        var panel = buffers.PackedB + (long)(panelStart / nr) * kc * nr;
                        var c = output.C + (long)row * n + column;
                        if (storeDirect && rows == mr && cols == nr)
                        {
                            TKernel.Multiply(a, rowStride, stepStride, panel, kc, c, n);
                            continue;
                        }
                        if (sumInC && rows == mr && cols == nr)
                        {
                            if (first)
                            {
                                TKernel.Multiply(a, rowStride, stepStride, panel, kc, c, n);
                            }
                            else
                            {
                                TKernel.MultiplyAdd(a, rowStride, stepStride, panel, kc, c, n);
                            }
                            if (last && finishInPlace)
                            {
                                GemmEpilogue.Store(c, n, finish, row, column, rows, cols, n, firstStep: true, lastStep: true);
                            }
                            continue;
                        }
                        TKernel.Multiply(a, rowStride, stepStride, panel, kc, buffers.Tile, nr);
                        GemmEpilogue.Store(buffers.Tile, nr, output, row, column, rows, cols, n, first, last);
                    }
                }
            }
        }
    }

    /// <summary>One thread's packing buffers and register-tile spill, 64-byte aligned, allocated once.</summary>
    private sealed class ThreadScratch : IDisposable
    {
        public ThreadScratch(int mr, int nr)
        {
            PackedB = Allocate((long)StepBlock * ColumnBlock);
            PackedA = Allocate((long)StepBlock * mr);
            Tile = Allocate((long)mr * nr);
        }

        public float* PackedB { get; }

        public float* PackedA { get; }

        public float* Tile { get; }

        public void Dispose()
        {
            NativeMemory.AlignedFree(PackedB);
            NativeMemory.AlignedFree(PackedA);
            NativeMemory.AlignedFree(Tile);
        }

        private static float* Allocate(long floats) => (float*)NativeMemory.AlignedAlloc((nuint)(floats * sizeof(float)), 64);
    }
}
