namespace Descent.Kernels;

/// <summary>
/// Which GEMM kernel a backend runs, named for its algorithm. Each backend lists the ones it has in
/// <see cref="ComputeBackend.GemmAlgorithms"/>; Auto lets it choose for its device. A new GEMM joins
/// as a new member.
/// </summary>
public enum GemmAlgorithm
{
    Auto,

    /// <summary>One output element per thread, a plain dot product: the reference variant every backend has.</summary>
    Naive,

    /// <summary>
    /// ILGPU: a work group stages square tiles of A and B through shared memory; each thread computes
    /// one element of C from them.
    /// </summary>
    SharedMemoryTiles,

    /// <summary>
    /// Vulkan: each thread accumulates a small block of C in registers straight from global memory
    /// (no shared memory), so each loaded element feeds several multiply-adds.
    /// </summary>
    RegisterBlocks,

    /// <summary>
    /// GPUs (ILGPU and Vulkan): a work group stages large tiles of A and B (e.g. 128 x 128, 8 deep)
    /// through shared memory and each thread accumulates a block of C (e.g. 8 x 8) in registers from
    /// them, so each shared-memory load feeds several multiply-adds: the shape of the fast hand-written SGEMMs.
    /// </summary>
    SharedMemoryRegisterBlocks,

    /// <summary>
    /// cpu: BLIS-style cache blocking: A and B packed into panels sized for the caches, a SIMD
    /// micro-kernel holding a tile of C in vector registers.
    /// </summary>
    CacheBlocked,
}
