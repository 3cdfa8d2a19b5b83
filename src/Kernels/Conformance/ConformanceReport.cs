using System.Globalization;

namespace Descent.Kernels.Conformance;

/// <summary>
/// Conformance results as a plain text table, for tests and logs (the console host draws its own).
/// </summary>
public static class ConformanceReport
{
    private const string CaseHeader = "case";
    private const string ErrorHeader = "max abs error";
    private const string BoundHeader = "bound atol+rtol*|ref|";
    private const string PassHeader = "pass";

    /// <summary>
    /// Writes one row per result (case, max abs error, bound, pass), then each failure's detail and a
    /// count of passes. Returns whether every result passed.
    /// </summary>
    public static bool Write(IReadOnlyList<ConformanceResult> results, TextWriter writer)
    {
        ArgumentNullException.ThrowIfNull(results);
        ArgumentNullException.ThrowIfNull(writer);
        var caseWidth = results.Select(result => result.Name.Length).Append(CaseHeader.Length).Max();
        var boundWidth = results.Select(result => result.Bound.ToString().Length).Append(BoundHeader.Length).Max();

        writer.WriteLine($"{CaseHeader.PadRight(caseWidth)}  {ErrorHeader,-13}  {BoundHeader.PadRight(boundWidth)}  {PassHeader}");
        foreach (var result in results)
        {
            writer.WriteLine($"{result.Name.PadRight(caseWidth)}  {FormatError(result.MaxAbsError),-13}  " +
                $"{result.Bound.ToString().PadRight(boundWidth)}  {(result.Passed ? "ok" : "FAIL")}");
        }

        var failures = results.Where(result => !result.Passed).ToList();
        if (failures.Count > 0)
        {
            writer.WriteLine();
            foreach (var failure in failures)
            {
                writer.WriteLine($"FAIL {failure.Name}: {failure.Detail}");
            }
        }
        writer.WriteLine();
        writer.WriteLine($"{results.Count - failures.Count} of {results.Count} cases passed");
        return failures.Count == 0;
    }

    private static string FormatError(double error) => error.ToString("0.00e0", CultureInfo.InvariantCulture);
}
