using Descent.Host.Commands;
using Descent.Kernels.Ilgpu;
using Descent.Kernels.Reference;
using Descent.Tests.Conformance;
using Descent.Tests.Data;
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

    [Fact]
    public void Ptx_out_writes_the_ptx_of_every_ilgpu_kernel_without_a_gpu()
    {
        using var folder = new TemporaryFolder();
        var target = Path.Combine(folder.Path, "ptx");

        var outcome = CommandLine.Run("check", "--ptx-out", target);

        Assert.Equal(0, outcome.ExitCode);
        var files = Directory.GetFiles(target, "*.ptx").Select(Path.GetFileNameWithoutExtension).Order().ToList();
        Assert.Equal(IlgpuKernelCatalog.Kernels.Select(kernel => kernel.Name).Order(), files);
        Assert.All(Directory.GetFiles(target), file => Assert.Contains(".entry", File.ReadAllText(file)));
        Assert.Contains($"wrote the PTX of {files.Count} ILGPU kernels", outcome.Output);
    }

    [Fact]
    public void Ptx_out_naming_a_file_is_bad_usage()
    {
        using var folder = new TemporaryFolder();
        File.WriteAllText(folder.File("taken"), "keep me");

        var outcome = CommandLine.Run("check", "--ptx-out", folder.File("taken"));

        Assert.Equal(2, outcome.ExitCode);
        Assert.Equal("keep me", File.ReadAllText(folder.File("taken")));
    }
}
