using System.Reflection;

namespace Descent.Kernels.Conformance;

/// <summary>
/// The checks every backend must pass, written once: each op against <see cref="Reference.ReferenceMath"/>,
/// finite-difference checks of every backward, numerics at extreme inputs, and determinism. The xunit
/// suite runs one case per test; the <c>descent check</c> command runs them all and prints the results.
/// </summary>
public static class ConformanceSuite
{
    /// <summary>
    /// Runs the cases <paramref name="filter"/> accepts (all by default) on <paramref name="backend"/>, in order.
    /// A case that throws fails with the exception in its detail, and the run goes on.
    /// </summary>
    public static IReadOnlyList<ConformanceResult> Run(ComputeBackend backend, Func<ConformanceCase, bool>? filter = null)
    {
        ArgumentNullException.ThrowIfNull(backend);
        return Cases.Where(filter ?? (_ => true)).Select(testCase => RunOne(backend, testCase)).ToList();
    }

    // Anything a backend throws, typed or not, is that backend failing the case; a report of every case beats stopping at the first.
    private static ConformanceResult RunOne(ComputeBackend backend, ConformanceCase testCase)
    {
        try
        {
            return testCase.Run(backend);
        }
        catch (Exception exception)
        {
            return new ConformanceResult(testCase.Name, double.NaN, double.PositiveInfinity, Tolerance.Exact, false,
                $"threw {exception.GetType().Name}: {exception.Message}");
        }
    }

    /// <summary>
    /// The static classes of this namespace that declare <c>static IEnumerable&lt;ConformanceCase&gt; Create()</c>,
    /// by name: a new case file joins the suite by existing, with no list to edit.
    /// </summary>
    public static IReadOnlyList<Type> CaseSources { get; } = typeof(ConformanceSuite).Assembly.GetTypes()
        .Where(type => type.Namespace == typeof(ConformanceSuite).Namespace && type is { IsAbstract: true, IsSealed: true })
        .Where(type => type.GetMethod("Create", BindingFlags.Public | BindingFlags.Static, Type.EmptyTypes)?.ReturnType
            == typeof(IEnumerable<ConformanceCase>))
        .OrderBy(type => type.Name, StringComparer.Ordinal)
        .ToArray();

    /// <summary>Every case, in a fixed order (declared after the sources it reads:
    /// static properties initialise top to bottom); names are unique.</summary>
    public static IReadOnlyList<ConformanceCase> Cases { get; } = Collect();

    private static ConformanceCase[] Collect()
    {
        var cases = CaseSources
            .SelectMany(type => (IEnumerable<ConformanceCase>)type.GetMethod("Create", Type.EmptyTypes)!.Invoke(null, null)!)
            .ToArray();
        var duplicate = cases.GroupBy(testCase => testCase.Name).FirstOrDefault(group => group.Count() > 1);
        if (duplicate is not null)
        {
            throw new InvalidOperationException($"two conformance cases are named \"{duplicate.Key}\"");
        }
        return cases;
    }
}
