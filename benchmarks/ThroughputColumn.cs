using System.Globalization;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace Descent.Benchmarks;

/// <summary>
/// A rate column: work per invocation (floating-point operations, or bytes moved) divided by the mean
/// time, e.g. GFLOP/s or GB/s. Work comes from the benchmark case (its shape parameters and method);
/// a case without a defined amount of work shows "-".
/// </summary>
/// <remarks>
/// With <paramref name="best"/>, the rate of the fastest iteration instead of the mean: for a ceiling
/// such as the peak FLOP rate, which other load on the machine can only lower.
/// </remarks>
public sealed class ThroughputColumn(string header, string legend, Func<BenchmarkCase, double?> workPerInvocation, bool best = false) : IColumn
{
    public string Id => nameof(ThroughputColumn) + header;

    public string ColumnName => header;

    public bool AlwaysShow => true;

    public ColumnCategory Category => ColumnCategory.Custom;

    public int PriorityInCategory => 0;

    public bool IsNumeric => true;

    public UnitType UnitType => UnitType.Dimensionless;

    public string Legend => legend;

    /// <summary>Floating-point operations per invocation, shown in GFLOP/s.</summary>
    public static ThroughputColumn Gflops(Func<BenchmarkCase, double?> flops) =>
        new("GFLOP/s", "Floating-point operations (a multiply-add is two) per second, in units of 10^9", flops);

    /// <summary>Floating-point operations per invocation over the fastest iteration's time, shown in GFLOP/s.</summary>
    public static ThroughputColumn BestGflops(Func<BenchmarkCase, double?> flops) =>
        new("best GFLOP/s", "Floating-point operations per second in the fastest iteration, in units of 10^9", flops, best: true);

    /// <summary>Bytes read plus bytes written per invocation, shown in GB/s.</summary>
    public static ThroughputColumn Gigabytes(Func<BenchmarkCase, double?> bytes) =>
        new("GB/s", "Bytes read plus bytes written per second, in units of 10^9", bytes);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        var report = summary[benchmarkCase];
        var work = workPerInvocation(benchmarkCase);
        var nanoseconds = report?.ResultStatistics is { } statistics ? (best ? statistics.Min : statistics.Mean) : 0;
        if (work is not { } amount || nanoseconds <= 0)
        {
            return "-";
        }
        // Times are in nanoseconds, so work per nanosecond is already in units of 10^9 per second.
        return (amount / nanoseconds).ToString("F2", CultureInfo.InvariantCulture);
    }

    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;

    public bool IsAvailable(Summary summary) => true;

    public override string ToString() => ColumnName;
}
