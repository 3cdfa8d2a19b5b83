using System.Text.Json.Nodes;
using Descent.Engine.Files;
using Descent.Engine.Models;
using Descent.Tests.Data;
using Xunit;

namespace Descent.Tests.Host;

/// <summary>
/// Sizes are checked before anything is allocated: a model, a batch or a whole run too large for the
/// backend is exit 2 naming the size needed and the size there is, never an overflow (exit 1) or a
/// process the kernel kills after it took the machine's memory. The engine's side is MemoryPlanTests.
/// </summary>
public sealed class SizeCheckTests : IDisposable
{
    /// <summary>What the runtime may use in a child process: the limit a container sets, here 512 MiB.</summary>
    private static readonly Dictionary<string, string> SmallMachine = new() { ["DOTNET_GCHeapHardLimit"] = "0x20000000" };

    private readonly TemporaryFolder folder = new();

    public SizeCheckTests() => DigitFolder.Write(folder, train: 8, test: 4);

    public void Dispose() => folder.Dispose();

    [Theory]
    [InlineData("reference", "784-3000000-10",
        "tensor 0.weight [3000000, 784] of the 784-3000000-10 model would take 2352000000 floats (8.8 GiB), more than one reference buffer holds (2147483591 floats)")]
    [InlineData("reference", "784-100000000-10",
        "tensor 0.weight [100000000, 784] of the 784-100000000-10 model would take 78400000000 floats (292.1 GiB), more than one reference buffer holds (2147483591 floats)")]
    [InlineData("cpu", "784-3000000-10", "would take 2352000000 floats (8.8 GiB), more than one cpu buffer holds (2147483527 floats)")]
    [InlineData("cpu", "784-2147483647-10", "tensor 0.weight [2147483647, 784] of the 784-2147483647-10 model would take 1683627179248 floats (6.1 TiB)")]
    [InlineData("ilgpu-cpu", "784-64-2000000000-10", "tensor 2.weight [2000000000, 64] of the 784-64-2000000000-10 model would take 128000000000 floats")]
    [InlineData("reference", "784-46000-46000-46000-10",
        "the parameters of the 784-46000-46000-46000-10 model would take 4268662016 floats (15.9 GiB), more than one reference buffer holds")]
    public void A_model_beyond_one_buffer_is_refused_before_allocating(string backend, string layers, string expected)
    {
        var outcome = CommandLine.Run("train", "--data-dir", folder.Path, "--backend", backend, "--layers", layers, "--epochs", "1", "--quiet");

        CommandLine.AssertOneLineError(outcome, 2, expected);
        Assert.DoesNotContain("epoch", outcome.Output);
    }

    [Theory]
    [InlineData("784-8000-8000-10", "sgd")]
    [InlineData("784-4000-4000-4000-10", "adamw")]
    [InlineData("784-100000-10", "sgd")]
    public void A_run_beyond_the_machine_memory_is_refused_before_allocating(string layers, string optimizer)
    {
        var outcome = DescentProcess.Run(SmallMachine, "train", "--data-dir", folder.Path, "--backend", "reference", "--layers", layers,
            "--optimizer", optimizer, "--epochs", "1", "--quiet");

        var line = CommandLine.AssertOneLineError(outcome, 2, $"training the {layers} model with batch 8 needs ");
        Assert.EndsWith("of memory; reference has 512.0 MiB (the machine's available memory): use a smaller model or --batch-size", line);
    }

    [Fact]
    public void A_run_within_the_machine_memory_still_trains()
    {
        var outcome = DescentProcess.Run(SmallMachine, "train", "--data-dir", folder.Path, "--backend", "reference", "--layers", "784-64-10",
            "--epochs", "1", "--quiet");

        Assert.Equal(0, outcome.ExitCode);
    }

    [Fact]
    public void A_model_file_whose_spec_is_too_large_is_refused_before_allocating()
    {
        var saved = folder.File("small.safetensors");
        Assert.Equal(0, CommandLine.Run("train", "--data-dir", folder.Path, "--backend", "reference", "--layers", "784-8-10",
            "--epochs", "0", "--quiet", "--save", saved).ExitCode);
        var file = SafeTensors.Read(saved);
        var spec = JsonNode.Parse(file.Metadata[ModelWeights.SpecKey])!;
        spec["model"]!["layers"]![0]!["outputs"] = 3000000;
        var metadata = new Dictionary<string, string>(file.Metadata) { [ModelWeights.SpecKey] = spec.ToJsonString() };
        var crafted = folder.File("crafted.safetensors");
        SafeTensors.Write(crafted, file.Tensors, metadata);

        var outcome = CommandLine.Run("eval", crafted, "--data-dir", folder.Path, "--backend", "reference");

        CommandLine.AssertOneLineError(outcome, 2, "tensor 0.weight [3000000, 784] of the 784-3000000-10 model would take 2352000000 floats");
    }

    [Theory]
    [InlineData("--size", "20000", "--size must be 1 to 16384, got 20000")]
    [InlineData("--size", "0", "--size must be 1 to 16384, got 0")]
    [InlineData("--size", "-5", "--size must be 1 to 16384, got -5")]
    public void A_gemm_size_out_of_range_is_refused(string option, string value, string expected)
    {
        CommandLine.AssertOneLineError(CommandLine.Run("bench", "gemm", "--backend", "reference", option, value), 2, expected);
    }

    [Fact]
    public void A_benchmarked_model_beyond_one_buffer_is_refused_before_allocating()
    {
        var outcome = CommandLine.Run("bench", "--data-dir", folder.Path, "--backend", "reference", "--layers", "784-3000000-10");

        CommandLine.AssertOneLineError(outcome, 2, "tensor 0.weight [3000000, 784] of the 784-3000000-10 model would take 2352000000 floats");
    }
}
