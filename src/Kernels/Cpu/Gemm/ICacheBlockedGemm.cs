namespace Descent.Kernels.Cpu.Gemm;

/// <summary>
/// The cache-blocked SGEMM (<see cref="GemmAlgorithm.CacheBlocked"/>) whichever micro-kernel it was built
/// around, as the backend holds it.
/// </summary>
internal interface ICacheBlockedGemm : IDisposable
{
    /// <summary>The instruction set and register tile, e.g. "AVX-512 SGEMM, 8x32 register tile".</summary>
    string Description { get; }

    /// <summary>Computes the product and returns when C is complete.</summary>
    void Multiply(in GemmProblem problem);

    /// <summary>
    /// Computes the product on the calling thread alone, with the packing buffers of pool thread
    /// <paramref name="thread"/>: for an op that already splits its work across the pool (a convolution
    /// runs one GEMM per image on each thread). The result is the same bits as <see cref="Multiply"/>'s.
    /// </summary>
    void MultiplyOnThread(in GemmProblem problem, int thread);
}
