namespace Descent.Kernels.Conformance;

/// <summary>What one <see cref="ConformanceCase"/> found.</summary>
/// <param name="Name">The case's name.</param>
/// <param name="MaxAbsError">Largest |got - ref| over every finite element compared.</param>
/// <param name="WorstRatio">
/// Largest |got - ref| / (atol + rtol * |ref|) over every element compared; infinite for a value that
/// had to match exactly and did not, or a NaN or infinity where the reference is finite.
/// </param>
/// <param name="Bound">The tolerance of the element where the worst ratio was found.</param>
/// <param name="Passed">WorstRatio is at most 1 and no NaN or infinity turned up unexpected.</param>
/// <param name="Detail">Where and how it failed (or what it threw); null when it passed.</param>
public sealed record ConformanceResult(string Name, double MaxAbsError, double WorstRatio, Tolerance Bound, bool Passed, string? Detail);
