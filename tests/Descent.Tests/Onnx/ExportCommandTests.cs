using Descent.Engine.Files;
using Descent.Engine.Models;
using Descent.Tests.Data;
using Descent.Tests.Host;
using Xunit;

namespace Descent.Tests.Onnx;

/// <summary>
/// `descent export` refuses what it cannot export, or where it cannot write, with one line and exit 2, and
/// a file already at the output path is left as it was: a failed export never replaces it with a broken one.
/// </summary>
public sealed class ExportCommandTests : IDisposable
{
    private static readonly byte[] Existing = "an earlier export"u8.ToArray();

    private readonly TemporaryFolder folder = new();
    private readonly string model;
    private readonly string output;

    public ExportCommandTests()
    {
        DigitFolder.Write(folder, train: 40, test: 10);
        model = folder.File("model.safetensors");
        var trained = CommandLine.Run("train", "--data-dir", folder.Path, "--backend", "cpu", "--batch-size", "8", "--layers", "784-16-10",
            "--epochs", "0", "--quiet", "--save", model);
        Assert.True(trained.ExitCode == 0, trained.Error);
        output = folder.File("model.onnx");
        File.WriteAllBytes(output, Existing);
    }

    public void Dispose() => folder.Dispose();

    [Fact]
    public void A_missing_model_file_is_one_line_and_exit_2()
    {
        var outcome = CommandLine.Run("export", folder.File("missing.safetensors"), "--onnx", output);

        AssertRefused(outcome, "missing.safetensors");
    }

    [Fact]
    public void A_folder_that_holds_no_checkpoint_is_one_line_and_exit_2()
    {
        var outcome = CommandLine.Run("export", folder.Path, "--onnx", output);

        AssertRefused(outcome, "holds no checkpoint");
    }

    [Fact]
    public void A_checkpoint_folder_exports_its_latest_model()
    {
        var checkpoints = folder.File("runs");
        var trained = CommandLine.Run("train", "--data-dir", folder.Path, "--backend", "cpu", "--batch-size", "8", "--layers", "784-16-10",
            "--epochs", "2", "--quiet", "--checkpoint", checkpoints);
        Assert.True(trained.ExitCode == 0, trained.Error);

        var outcome = CommandLine.Run("export", checkpoints, "--onnx", output);

        Assert.True(outcome.ExitCode == 0, outcome.Error);
        var graph = Descent.Engine.Onnx.Protobuf.ModelProto.Parser.ParseFrom(File.ReadAllBytes(output));
        var latest = SafeTensors.Read(Path.Combine(checkpoints, "checkpoint-2", "model.safetensors")).Tensors.Single(tensor => tensor.Name == "2.bias");
        Assert.Equal(latest.Values, graph.Graph.Initializer.Single(tensor => tensor.Name == "2.bias").FloatData);
    }

    [Fact]
    public void A_safetensors_file_not_written_by_descent_is_one_line_and_exit_2()
    {
        var foreign = folder.File("foreign.safetensors");
        SafeTensors.Write(foreign, [new NamedTensor("weight", [2, 2], [1, 2, 3, 4])], new Dictionary<string, string>());

        var outcome = CommandLine.Run("export", foreign, "--onnx", output);

        AssertRefused(outcome, "was not written by descent train --save");
    }

    [Fact]
    public void A_model_file_whose_tensors_do_not_fit_its_spec_is_one_line_and_exit_2()
    {
        var file = SafeTensors.Read(model);
        var misshapen = folder.File("misshapen.safetensors");
        SafeTensors.Write(misshapen, [.. file.Tensors.Where(tensor => tensor.Name != "2.weight"), new NamedTensor("2.weight", [10, 8], new float[80])],
            file.Metadata);

        var outcome = CommandLine.Run("export", misshapen, "--onnx", output);

        AssertRefused(outcome, "tensor 2.weight is [10, 8] but the model's is [10, 16]");
    }

    [Fact]
    public void An_output_path_that_is_a_folder_is_one_line_and_exit_2()
    {
        var outcome = CommandLine.Run("export", model, "--onnx", folder.Path);

        AssertRefused(outcome, "is a folder, not a file");
        Assert.True(Directory.Exists(folder.Path));
    }

    [Fact]
    public void An_output_folder_that_does_not_exist_is_one_line_and_exit_2()
    {
        var outcome = CommandLine.Run("export", model, "--onnx", Path.Combine(folder.Path, "missing", "model.onnx"));

        AssertRefused(outcome, "does not exist");
    }

    [Fact]
    public void The_model_file_itself_as_output_is_refused_and_left_intact()
    {
        var before = File.ReadAllBytes(model);

        var outcome = CommandLine.Run("export", model, "--onnx", model);

        AssertRefused(outcome, "is the model file itself");
        Assert.Equal(before, File.ReadAllBytes(model));
    }

    [Fact]
    public void A_link_to_the_model_as_output_is_refused_and_the_model_left_intact()
    {
        var before = File.ReadAllBytes(model);
        var link = folder.File("link.onnx");
        File.CreateSymbolicLink(link, model);

        var outcome = CommandLine.Run("export", model, "--onnx", link);

        AssertRefused(outcome, "is the model file itself");
        Assert.Equal(before, File.ReadAllBytes(model));
    }

    [Fact]
    public void Export_without_a_format_is_a_usage_error()
    {
        var outcome = CommandLine.Run("export", model);

        AssertRefused(outcome, "--onnx");
    }

    [SkippableFact]
    public void An_output_folder_that_cannot_be_written_is_one_line_and_exit_3()
    {
        if (OperatingSystem.IsWindows())
        {
            throw new SkipException("the test makes its folder read-only with Unix permissions");
        }
        var readOnly = Directory.CreateDirectory(folder.File("read-only")).FullName;
        var existing = Path.Combine(readOnly, "model.onnx");
        File.WriteAllBytes(existing, Existing);
        File.SetUnixFileMode(readOnly, UnixFileMode.UserRead | UnixFileMode.UserExecute);
        try
        {
            // Root writes into read-only folders; nobody, root included, creates files in /sys.
            var target = CanCreateFileIn(readOnly) ? "/sys/descent-test-model.onnx" : existing;

            var outcome = CommandLine.Run("export", model, "--onnx", target);

            Assert.Equal(3, outcome.ExitCode);
            Assert.Contains($"cannot write {target}", Assert.Single(outcome.ErrorLines));
            Assert.Equal(Existing, File.ReadAllBytes(existing));
            Assert.False(File.Exists("/sys/descent-test-model.onnx"));
        }
        finally
        {
            File.SetUnixFileMode(readOnly, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }

    [Fact]
    public void A_successful_export_replaces_an_earlier_file_and_leaves_no_temporary_file()
    {
        var outcome = CommandLine.Run("export", model, "--onnx", output);

        Assert.Equal(0, outcome.ExitCode);
        Assert.NotEqual(Existing, File.ReadAllBytes(output));
        Assert.Empty(Directory.GetFiles(folder.Path, "*.tmp"));
    }

    private void AssertRefused(CommandLine.Outcome outcome, string message)
    {
        Assert.Equal(2, outcome.ExitCode);
        var line = Assert.Single(outcome.ErrorLines);
        Assert.StartsWith("descent: error: ", line);
        Assert.Contains(message, line);
        Assert.Equal(Existing, File.ReadAllBytes(output));
        Assert.Empty(Directory.GetFiles(folder.Path, "*.tmp"));
    }

    private static bool CanCreateFileIn(string path)
    {
        var probe = Path.Combine(path, "probe");
        try
        {
            File.WriteAllBytes(probe, []);
            File.Delete(probe);
            return true;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }
}
