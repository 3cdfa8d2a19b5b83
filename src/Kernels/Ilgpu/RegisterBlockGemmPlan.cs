namespace Descent.Kernels.Ilgpu;

/// <summary>
/// One tiling of the register-blocks GEMM, a kernel of its own with these sizes as compile-time constants: groups of
/// S x S threads, each thread an 8 x 8 block of C, so a group computes a tile of C 8S wide; steps along K are S deep,
/// which makes the 8S x S tiles of op(A) and op(B) exactly 8 elements per thread to stage. A tile row in shared memory
/// is <see cref="Pitch"/> floats: a multiple of 4, so that a thread reads its four neighbouring values of a row in one
/// 16-byte load. <see cref="GroupsPerMultiprocessor"/> is the occupancy the kernel is compiled for (ptxas keeps its
/// registers to what that many groups of <see cref="Threads"/> share of a multiprocessor's 64K).
/// The Vulkan backend's shared-memory GEMM (shaders/gemm_shared_register_blocks.comp) is planned with the same
/// tilings, sized by its own <see cref="BlockWidth"/> and <see cref="Depth"/>; the shared-memory layout
/// (<see cref="Pitch"/>, <see cref="SharedMemoryFloats"/>) is the ILGPU kernels'.
/// </summary>
public sealed record RegisterBlockTiling(int Side, int GroupsPerMultiprocessor)
{
    private readonly int? depth;
    /// <summary>128 x 128 tiles of C, 256 threads, 2 groups a multiprocessor (at most 128 registers a thread).</summary>
    public static RegisterBlockTiling Wide { get; } = new(16, 2);

    /// <summary>64 x 64 tiles, 64 threads, 8 groups a multiprocessor.</summary>
    public static RegisterBlockTiling Medium { get; } = new(8, 8);

    /// <summary>32 x 32 tiles, 16 threads, 16 groups a multiprocessor (a group of 16 threads still takes a whole warp of registers).</summary>
    public static RegisterBlockTiling Narrow { get; } = new(4, 16);

    /// <summary>Every tiling, widest first: each is one kernel method of the backend.</summary>
    public static IReadOnlyList<RegisterBlockTiling> All { get; } = [Wide, Medium, Narrow];

    /// <summary>The place of <paramref name="tiling"/> in <see cref="All"/>, which is also its kernel's.</summary>
    public static int IndexOf(RegisterBlockTiling tiling)
    {
        for (var index = 0; index < All.Count; index++)
        {
            if (All[index] == tiling)
            {
                return index;
            }
        }
        throw new ArgumentException($"{tiling} is not a register-blocks tiling of this backend", nameof(tiling));
    }

    /// <summary>Outputs a thread computes along each side of its block: a <see cref="RegisterRow"/> in the ILGPU kernels.</summary>
    public int BlockWidth { get; init; } = RegisterRow.Width;

    public int Tile => Side * BlockWidth;

    /// <summary>How much of K a step stages: <see cref="Side"/> in the ILGPU kernels.</summary>
    public int Depth
    {
        get => depth ?? Side;
        init => depth = value;
    }

    public int Threads => Side * Side;

    /// <summary>The tile's width, padded by 4 floats: see the kernel for the banks this keeps apart.</summary>
    public int Pitch => Tile + 4;

    /// <summary>Two pairs of tiles (A and B, double-buffered), each Depth rows of Pitch floats.</summary>
    public int SharedMemoryFloats => 4 * Depth * Pitch;

    public int SharedMemoryBytes => SharedMemoryFloats * sizeof(float);
}

/// <summary>
/// What sizes a register-blocks GEMM launch on one device: how many multiprocessors it has, the most threads a group and
/// the largest grid it may launch, the dynamic shared memory a group may ask for without opting in, and the tilings
/// this backend compiles (all three on a GPU; the narrow one alone on the CPU accelerator, whose groups are OS threads).
/// </summary>
public sealed record GemmDevice(string Name, int Multiprocessors, int MaxThreadsPerGroup, int MaxGridY, int MaxGridZ,
    int MaxSharedMemoryPerGroup, IReadOnlyList<RegisterBlockTiling> Tilings)
{
    /// <summary>Dynamic shared memory a CUDA group may take without cudaFuncSetAttribute: 48 KiB on every GPU since Kepler.</summary>
    public const int DefaultSharedMemoryPerGroup = 48 * 1024;

    /// <summary>NVIDIA H100 SXM5: 132 multiprocessors.</summary>
    public static GemmDevice H100 { get; } = Gpu("H100 SXM5", 132);

    /// <summary>NVIDIA H200: 132 multiprocessors, the H100's chip with more memory.</summary>
    public static GemmDevice H200 { get; } = Gpu("H200", 132);

    /// <summary>A CUDA GPU with <paramref name="multiprocessors"/> multiprocessors and CUDA's grid limits.</summary>
    public static GemmDevice Gpu(string name, int multiprocessors) =>
        new(name, multiprocessors, 1024, 65535, 65535, DefaultSharedMemoryPerGroup, RegisterBlockTiling.All);
}

/// <summary>
/// One register-blocks GEMM launch: the tiling, and how many chunks K is split into (grid z). A product whose tiles of C
/// are fewer than the device's multiprocessors would leave most of them idle, so it takes a narrower tiling or splits K
/// until it has a group for every multiprocessor, when its work allows: each chunk writes its partial sums, and a
/// second launch adds the chunks in order (a fixed order: the same bits every run) and applies the epilogue.
/// A batched GEMM (Vulkan's convolutions: <see cref="Products"/> of one shape in one launch, along grid z) counts every
/// product's tiles, and never splits K: z holds the products.
/// </summary>
internal readonly record struct RegisterBlockGemmPlan(RegisterBlockTiling Tiling, int RowBlocks, int ColumnBlocks, int Splits,
    int StepsPerSplit, int Products = 1)
{
    /// <summary>The least of K a chunk takes, so that its arithmetic outweighs writing and reading back its partial sums.</summary>
    public const int MinSplitDepth = 16;

    public long Groups => (long)RowBlocks * ColumnBlocks * Splits * Products;

    /// <summary>The launch's grid: row blocks in x (which allows 2^31 - 1 of them, y and z only 65535), column blocks in y, chunks of K in z.</summary>
    public (int X, int Y, int Z) Grid => (RowBlocks, ColumnBlocks, Splits);

    /// <summary>The launch's groups: S x S threads.</summary>
    public (int X, int Y) Group => (Tiling.Side, Tiling.Side);

    /// <summary>The dynamic shared memory each group asks for at its launch.</summary>
    public int SharedMemoryBytes => Tiling.SharedMemoryBytes;

    /// <summary>Launches: the GEMM, and the sum of the chunks when K is split.</summary>
    public int Launches => Splits == 1 ? 1 : 2;

    /// <summary>Floats of partial sums a split launch writes (0 unsplit).</summary>
    public long PartialFloats(int m, int n) => Splits == 1 ? 0 : (long)Splits * m * n;

    /// <summary>
    /// The plan for an M x N x K product on <paramref name="device"/>: the widest tiling that gives every multiprocessor
    /// a group, splitting K as far as needed and allowed; when none does, the one that gives the most groups.
    /// </summary>
    public static RegisterBlockGemmPlan For(int m, int n, int k, GemmDevice device, int products = 1)
    {
        RegisterBlockGemmPlan? best = null;
        // Indexed, not foreach: an IReadOnlyList's enumerator is an allocation, and every GEMM of a step is planned.
        for (var index = 0; index < device.Tilings.Count; index++)
        {
            var plan = WithTiling(m, n, k, device.Tilings[index], device, products);
            if (plan.Groups >= device.Multiprocessors)
            {
                return plan;
            }
            if (best is null || plan.Groups > best.Value.Groups)
            {
                best = plan;
            }
        }
        return best ?? throw new InvalidOperationException($"{device.Name} has no register-blocks tiling");
    }

    /// <summary>The plan with <paramref name="tiling"/>: splits of K that bring the groups up to the multiprocessors, no chunk empty.</summary>
    public static RegisterBlockGemmPlan WithTiling(int m, int n, int k, RegisterBlockTiling tiling, GemmDevice device, int products = 1)
    {
        var rowBlocks = Math.Max(1, Ceiling(m, tiling.Tile));
        var columnBlocks = Math.Max(1, Ceiling(n, tiling.Tile));
        var blocks = (long)rowBlocks * columnBlocks;
        var steps = Math.Max(1, Ceiling(k, tiling.Depth));
        var stepsPerSplit = steps;
        if (products == 1 && blocks < device.Multiprocessors)
        {
            // The chunks are whole steps, at least MinSplitDepth of K each, rounded down so that the chunks, none of them
            // empty, are at least as many as wanted.
            var leastSteps = Ceiling(MinSplitDepth, tiling.Depth);
            var wanted = (int)Math.Min(Math.Max(1, steps / leastSteps), Ceiling(device.Multiprocessors, blocks));
            stepsPerSplit = Math.Max(Math.Max(leastSteps, steps / wanted), Ceiling(steps, device.MaxGridZ));
        }
        return new RegisterBlockGemmPlan(tiling, rowBlocks, columnBlocks, Ceiling(steps, stepsPerSplit), Math.Min(steps, stepsPerSplit),
            products);
    }

    private static int Ceiling(long value, long divisor) => (int)((value + divisor - 1) / divisor);
}
