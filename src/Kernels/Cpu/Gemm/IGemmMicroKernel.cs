namespace Descent.Kernels.Cpu.Gemm;

/// <summary>
/// The innermost loop of the cache-blocked SGEMM: a <see cref="Rows"/> x <see cref="Columns"/> tile of C
/// held in vector registers for a whole block of K, fed by one broadcast of A per row and a contiguous
/// row of packed B per step. The driver is generic over this interface, so each shape is compiled into it.
/// </summary>
internal interface IGemmMicroKernel
{
    /// <summary>The vector instructions it is written in, e.g. "AVX-512".</summary>
    static abstract string InstructionSet { get; }

    /// <summary>MR: rows of the register tile.</summary>
    static abstract int Rows { get; }

    /// <summary>NR: columns of the register tile, a whole number of vectors.</summary>
    static abstract int Columns { get; }

    /// <summary>
    /// tile (MR x NR, row-major, <paramref name="tileStride"/> floats per row) = sum over p in [0, kc) of a(row, p) * b[p * NR + col].
    /// a(row, p) is at <c>a + row * aRowStride + p * aStepStride</c>, so a packed panel (strides 1, MR), a
    /// row-major A (strides K, 1) and a transposed A (strides 1, M) are read alike without a copy.
    /// b is a packed panel: NR contiguous floats per step. The tile is a spill buffer for the epilogue, or C itself where
    /// the product needs nothing more.
    /// </summary>
    static abstract unsafe void Multiply(float* a, nint aRowStride, nint aStepStride, float* b, int kc, float* tile, nint tileStride);

    /// <summary>
    /// tile += the same sum: the accumulators start from the tile instead of zero, so a later block of K adds into C in the
    /// registers rather than through a spill and a second pass.
    /// </summary>
    static abstract unsafe void MultiplyAdd(float* a, nint aRowStride, nint aStepStride, float* b, int kc, float* tile, nint tileStride);
}
