using System.Globalization;

namespace Descent.Kernels.Conformance;

/// <summary>
/// Gathers the comparisons of one case, output by output, and keeps the worst element: its ratio
/// to the bound, the bound itself, and a line saying where it is.
/// </summary>
internal sealed class Comparison
{
    private double maxAbsError;
    private double worstRatio;
    private Tolerance worstBound = Tolerance.Exact;
    private string? worstElement;
    private bool unexpectedNonFinite;

    /// <summary>
    /// Compares <paramref name="got"/> with <paramref name="expected"/> within <paramref name="tolerance"/>.
    /// A NaN in the reference must be a NaN in the backend; a NaN or infinity the reference does not
    /// have fails the case. <paramref name="include"/> skips elements whose value the contract leaves open.
    /// </summary>
    public void Close(string output, ReadOnlySpan<float> got, ReadOnlySpan<double> expected, Tolerance tolerance,
        Func<int, bool>? include = null)
    {
        CheckLengths(output, got.Length, expected.Length);
        for (var i = 0; i < got.Length; i++)
        {
            if (include is not null && !include(i))
            {
                continue;
            }
            double value = got[i];
            var reference = expected[i];
            if (double.IsNaN(reference) || double.IsInfinity(reference))
            {
                if (!value.Equals(reference))
                {
                    Record(double.PositiveInfinity, Tolerance.Exact, output, i, value, reference);
                }
                continue;
            }
            if (!double.IsFinite(value))
            {
                unexpectedNonFinite = true;
                Record(double.PositiveInfinity, tolerance, output, i, value, reference);
                continue;
            }
            var error = Math.Abs(value - reference);
            maxAbsError = Math.Max(maxAbsError, error);
            Record(error == 0 ? 0 : error / tolerance.BoundFor(reference), tolerance, output, i, value, reference);
        }
    }

    /// <summary>Requires identical bits (so a NaN matches only the same NaN).</summary>
    public void Exact(string output, ReadOnlySpan<float> got, ReadOnlySpan<float> expected, Func<int, bool>? include = null)
    {
        CheckLengths(output, got.Length, expected.Length);
        for (var i = 0; i < got.Length; i++)
        {
            if (include is not null && !include(i))
            {
                continue;
            }
            if (BitConverter.SingleToInt32Bits(got[i]) == BitConverter.SingleToInt32Bits(expected[i]))
            {
                continue;
            }
            if (float.IsFinite(got[i]) && float.IsFinite(expected[i]))
            {
                maxAbsError = Math.Max(maxAbsError, Math.Abs((double)got[i] - expected[i]));
            }
            Record(double.PositiveInfinity, Tolerance.Exact, output, i, got[i], expected[i]);
        }
    }

    public void Exact(string output, ReadOnlySpan<int> got, ReadOnlySpan<int> expected)
    {
        CheckLengths(output, got.Length, expected.Length);
        for (var i = 0; i < got.Length; i++)
        {
            if (got[i] != expected[i])
            {
                maxAbsError = Math.Max(maxAbsError, Math.Abs((double)got[i] - expected[i]));
                Record(double.PositiveInfinity, Tolerance.Exact, output, i, got[i], expected[i]);
            }
        }
    }

    public ConformanceResult Result(string caseName)
    {
        var passed = worstRatio <= 1 && !unexpectedNonFinite;
        return new ConformanceResult(caseName, maxAbsError, worstRatio, worstBound, passed,
            passed ? null : worstElement);
    }

    // The first element to reach a ratio stays the worst, so the report names the first of equal failures.
    private void Record(double ratio, Tolerance bound, string output, int index, double value, double reference)
    {
        if (ratio <= worstRatio && worstElement is not null)
        {
            return;
        }
        worstRatio = ratio;
        worstBound = bound;
        worstElement = string.Create(CultureInfo.InvariantCulture,
            $"{output}[{index}]: got {value:G9}, reference {reference:G9}, allowed {bound}");
    }

    // A case that compares arrays of different lengths is a bug in the suite, not in the backend.
    private static void CheckLengths(string output, int got, int expected)
    {
        if (got != expected)
        {
            throw new InvalidOperationException($"{output}: comparing {got} values with {expected} reference values");
        }
    }
}
