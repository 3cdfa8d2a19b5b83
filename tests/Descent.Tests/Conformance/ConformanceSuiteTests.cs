using System.Diagnostics;
using System.Reflection;
using Descent.Kernels;
using Descent.Kernels.Conformance;
using Descent.Kernels.Reference;
using Xunit;
using Xunit.Abstractions;

namespace Descent.Tests.Conformance;

/// <summary>The suite as a whole: its names, its coverage of the backend interface, its speed, and its report.</summary>
public sealed class ConformanceSuiteTests(ITestOutputHelper output)
{
    [Fact]
    public void Case_names_are_unique()
    {
        var names = ConformanceSuite.Cases.Select(testCase => testCase.Name).ToList();

        Assert.Equal(names.Count, names.Distinct().Count());
    }

    [Fact]
    public void Every_op_of_the_backend_interface_has_a_case()
    {
        var ops = BackendOpAttribute.Ops;
        var covered = ConformanceSuite.Cases.Select(testCase => testCase.Op).ToHashSet();

        Assert.All(ops, op => Assert.Contains(op, covered));
        Assert.Subset(ops.ToHashSet(), covered);
    }

    [Fact]
    public void Every_public_method_of_the_interface_is_an_op_or_memory_and_lifetime()
    {
        string[] memoryAndLifetime =
        [
            nameof(ComputeBackend.Allocate), nameof(ComputeBackend.Slice), nameof(ComputeBackend.Upload), nameof(ComputeBackend.Download),
            nameof(ComputeBackend.Synchronize), nameof(ComputeBackend.Dispose), nameof(ComputeBackend.ConvolutionScratch),
            nameof(ComputeBackend.GemmScratch),
            // How a profile times the ops (ProfilingBackend), not an op.
            nameof(ComputeBackend.CreateOpClock),
        ];
        var methods = typeof(ComputeBackend).GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly)
            .Where(method => !method.IsSpecialName)
            .Select(method => method.Name)
            .Distinct()
            .Except(memoryAndLifetime);

        Assert.Equal(methods.Order(), BackendOpAttribute.Ops.Order());
        Assert.Contains(nameof(ComputeBackend.Gemm), BackendOpAttribute.Ops);
    }

    [Fact]
    public void The_whole_suite_passes_on_the_reference_backend_in_well_under_a_minute()
    {
        using var backend = new ReferenceBackend();
        using var report = new StringWriter();
        var clock = Stopwatch.StartNew();

        var results = ConformanceSuite.Run(backend);
        clock.Stop();
        var allPassed = ConformanceReport.Write(results, report);
        output.WriteLine(report.ToString());
        output.WriteLine($"{results.Count} cases in {clock.Elapsed.TotalSeconds:F2} s");

        Assert.True(allPassed, report.ToString());
        Assert.Equal(ConformanceSuite.Cases.Count, results.Count);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"the suite took {clock.Elapsed.TotalSeconds:F1} s");
    }

    [Fact]
    public void The_filter_picks_the_cases_it_accepts()
    {
        using var backend = new ReferenceBackend();

        var results = ConformanceSuite.Run(backend, testCase => testCase.Op == nameof(ComputeBackend.Fill));

        Assert.Equal(["fill range", "fill whole buffer", "view upload, fill and download"], results.Select(result => result.Name));
    }

    [Fact]
    public void The_report_is_a_table_with_a_row_per_result_and_a_summary()
    {
        ConformanceResult[] results =
        [
            new("gemm naive NN 1x1x1 a1 b0", 0, 0, new Tolerance(1e-6, 1e-5), true, null),
            new("relu forward 1", 0.01, 1e4, new Tolerance(1e-6, 1e-5), false, "y[0]: got 0.01, reference 0"),
        ];
        using var text = new StringWriter();

        var allPassed = ConformanceReport.Write(results, text);

        Assert.False(allPassed);
        var lines = text.ToString().Split(Environment.NewLine);
        Assert.Equal("case                       max abs error  bound atol+rtol*|ref|  pass", lines[0]);
        Assert.Equal("gemm naive NN 1x1x1 a1 b0  0.00e0         1e-6+1e-5*|ref|        ok", lines[1]);
        Assert.Equal("relu forward 1             1.00e-2        1e-6+1e-5*|ref|        FAIL", lines[2]);
        Assert.Contains("FAIL relu forward 1: y[0]: got 0.01, reference 0", lines);
        Assert.Contains("1 of 2 cases passed", lines);
    }

    [Fact]
    public void Tolerance_reads_as_atol_plus_rtol_times_ref()
    {
        Assert.Equal("1.31e-3+1e-5*|ref|", new Tolerance(1.3125e-3, 1e-5).ToString());
        Assert.Equal("exact", Tolerance.Exact.ToString());
        Assert.Equal(3e-6, new Tolerance(1e-6, 1e-6).BoundFor(-2), 15);
    }
}
