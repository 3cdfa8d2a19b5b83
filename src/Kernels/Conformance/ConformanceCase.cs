namespace Descent.Kernels.Conformance;

/// <summary>One check of a backend: runs seeded inputs through it and compares the outputs with the reference.</summary>
/// <param name="Name">Short and unique, e.g. "gemm naive NT 37x53x29 a0.7 b0.3".</param>
/// <param name="Op">The <see cref="ComputeBackend"/> method it exercises, e.g. "Gemm".</param>
/// <param name="Run">Runs the case on a backend; an exception means the backend failed it.</param>
public sealed record ConformanceCase(string Name, string Op, Func<ComputeBackend, ConformanceResult> Run);
