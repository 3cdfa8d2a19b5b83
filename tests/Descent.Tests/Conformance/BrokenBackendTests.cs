using Descent.Kernels;
using Descent.Kernels.Conformance;
using Descent.Kernels.Reference;
using Xunit;

namespace Descent.Tests.Conformance;

/// <summary>The suite must catch a backend that is wrong by a little, in one op, and blame only what that op touches.</summary>
public sealed class BrokenBackendTests
{
    [Fact]
    public void A_relu_off_by_a_hundredth_fails_the_relu_cases_and_nothing_else()
    {
        using var backend = new ReluOffByAHundredthBackend();

        var results = ConformanceSuite.Run(backend);

        var failed = results.Where(result => !result.Passed).Select(result => result.Name).ToList();
        Assert.Contains("relu forward 1", failed);
        Assert.Contains("relu forward 1961", failed);
        Assert.Contains("relu in place 1961", failed);
        Assert.Contains("grad relu", failed);
        Assert.All(failed, name => Assert.Contains("relu", name));
        Assert.All(results.Where(result => !result.Passed), result => Assert.NotNull(result.Detail));
    }

    [Fact]
    public void The_report_of_a_broken_backend_says_not_all_passed()
    {
        using var backend = new ReluOffByAHundredthBackend();
        var results = ConformanceSuite.Run(backend, testCase => testCase.Op == nameof(ComputeBackend.ActivationForward));
        using var text = new StringWriter();

        var allPassed = ConformanceReport.Write(results, text);

        Assert.False(allPassed);
        Assert.Contains("FAIL relu forward 1961: y[", text.ToString());
    }

    [Fact]
    public void A_case_that_throws_is_reported_as_failed_and_the_run_goes_on()
    {
        using var backend = new ThrowingAddBackend();

        var results = ConformanceSuite.Run(backend, testCase => testCase.Name.StartsWith("add into y", StringComparison.Ordinal));

        Assert.Equal(3, results.Count);
        Assert.All(results, result =>
        {
            Assert.False(result.Passed);
            Assert.Equal("threw DeviceUnavailableException: add kernel lost", result.Detail);
        });
    }

    /// <summary>Relu's forward adds 1e-2 to every output: small, but a hundred times any honest rounding error.</summary>
    internal sealed class ReluOffByAHundredthBackend : ReferenceBackend
    {
        protected override void ActivationForwardCore(Activation activation, DeviceBuffer<float> x, DeviceBuffer<float> y, int count)
        {
            base.ActivationForwardCore(activation, x, y, count);
            if (activation != Activation.Relu)
            {
                return;
            }
            var values = HostElements(y);
            for (var i = 0; i < count; i++)
            {
                values[i] += 1e-2f;
            }
        }
    }

    private sealed class ThrowingAddBackend : ReferenceBackend
    {
        protected override void AddCore(DeviceBuffer<float> a, DeviceBuffer<float> b, DeviceBuffer<float> y, int count) =>
            throw new DeviceUnavailableException("add kernel lost");
    }
}
