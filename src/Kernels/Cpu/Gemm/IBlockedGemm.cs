namespace Descent.Kernels.Cpu.Gemm;

/// <summary>The blocked SGEMM whichever micro-kernel it was built around, as the backend holds it.</summary>
internal interface IBlockedGemm : IDisposable
{
    /// <summary>The instruction set and register tile, e.g. "AVX-512 SGEMM, 8x32 register tile".</summary>
    string Description { get; }

    /// <summary>Computes the product and returns when C is complete.</summary>
    void Multiply(in GemmProblem problem);
}
