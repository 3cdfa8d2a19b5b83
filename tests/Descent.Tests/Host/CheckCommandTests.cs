using Descent.Host.Commands;
using Descent.Kernels.Reference;
using Descent.Tests.Conformance;
using Spectre.Console;
using Spectre.Console.Testing;
using Xunit;

namespace Descent.Tests.Host;

/// <summary>`descent check` prints its table and exits 0 on a correct backend, non-zero on a broken one.</summary>
public sealed class CheckCommandTests
{
    [Fact]
    public void A_correct_backend_passes_with_exit_code_0()
    {
        var outcome = CommandLine.Run("check", "--backend", "ilgpu-cpu", "--filter", "relu");

        Assert.Equal(0, outcome.ExitCode);
        Assert.Contains("relu forward 1961", outcome.Output);
        Assert.Matches(@"\d+ passed, 0 failed", outcome.Output);
    }

    [Fact]
    public void A_deliberately_broken_op_makes_check_exit_non_zero()
    {
        using var backend = new BrokenBackendTests.ReluOffByAHundredthBackend();
        var console = new TestConsole();
        console.Profile.Width = 200;

        var exitCode = CheckCommand.Execute(backend, console);

        Assert.Equal(3, exitCode);
        Assert.Contains("FAIL", console.Output);
        Assert.Matches(@"\d+ passed, [1-9]\d* failed", console.Output);
        Assert.Contains("relu forward 1961: ", console.Output);
    }

    [Fact]
    public void The_same_backend_unbroken_passes()
    {
        using var backend = new ReferenceBackend();
        var console = new TestConsole();

        Assert.Equal(0, CheckCommand.Execute(backend, console, "relu"));
    }

    [Fact]
    public void A_filter_that_matches_nothing_is_bad_input()
    {
        var outcome = CommandLine.Run("check", "--backend", "reference", "--filter", "no-such-op");

        Assert.Equal(2, outcome.ExitCode);
        Assert.StartsWith("descent: error: no check matches", outcome.Error);
    }
}
