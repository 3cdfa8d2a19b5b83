using System.Text.Json;
using Descent.Tests.Data;
using Xunit;

namespace Descent.Tests.Host;

/// <summary>`descent train` end to end on a small hand-made MNIST-format folder.</summary>
public sealed class TrainCommandTests : IDisposable
{
    private readonly TemporaryFolder folder = new();

    public TrainCommandTests() => DigitFolder.Write(folder, train: 40, test: 10);

    public void Dispose() => folder.Dispose();

    [Fact]
    public void Metrics_out_holds_the_spec_and_every_epoch_in_schema_3()
    {
        var metrics = folder.File("metrics.json");

        var outcome = CommandLine.Run("train", "--data-dir", folder.Path, "--backend", "ilgpu-cpu", "--layers", "784-16-10",
            "--epochs", "3", "--batch-size", "8", "--lr", "0.05", "--metrics-out", metrics);

        Assert.Equal(0, outcome.ExitCode);
        using var document = JsonDocument.Parse(File.ReadAllText(metrics));
        var root = document.RootElement;
        Assert.Equal(3, root.GetProperty("schema").GetInt32());
        Assert.Equal("ilgpu-cpu", root.GetProperty("backend").GetString());
        Assert.Equal("mlp", root.GetProperty("arch").GetString());
        var spec = root.GetProperty("spec");
        Assert.Equal("mnist", spec.GetProperty("dataset").GetString());
        Assert.Equal([1, 28, 28], spec.GetProperty("input_shape").EnumerateArray().Select(e => e.GetInt32()));
        Assert.Equal([16, 10], spec.GetProperty("model").GetProperty("layers").EnumerateArray()
            .Where(l => l.GetProperty("type").GetString() == "linear").Select(l => l.GetProperty("outputs").GetInt32()));
        Assert.Equal("relu", spec.GetProperty("model").GetProperty("layers")[1].GetProperty("type").GetString());
        Assert.Equal("cross-entropy", spec.GetProperty("loss").GetString());
        Assert.Equal("sgd", spec.GetProperty("optimizer").GetProperty("kind").GetString());
        Assert.Equal(0.9, spec.GetProperty("optimizer").GetProperty("momentum").GetDouble());
        Assert.Equal(8, spec.GetProperty("batch_size").GetInt32());
        Assert.Equal(0.05, spec.GetProperty("schedule").GetProperty("learning_rate").GetDouble());
        Assert.Equal(42, spec.GetProperty("seed").GetInt32());
        Assert.False(string.IsNullOrEmpty(root.GetProperty("descent_version").GetString()));
        var epochs = root.GetProperty("epochs").EnumerateArray().ToList();
        Assert.Equal([1, 2, 3], epochs.Select(e => e.GetProperty("epoch").GetInt32()));
        Assert.All(epochs, e =>
        {
            Assert.True(e.GetProperty("train_loss").GetDouble() > 0);
            // Without --valid-split the evaluation is on the test set, and the key says so, as the table does.
            Assert.True(e.GetProperty("test_loss").GetDouble() > 0);
            Assert.False(e.TryGetProperty("valid_loss", out _));
            Assert.InRange(e.GetProperty("accuracy").GetDouble(), 0, 1);
            Assert.True(e.GetProperty("seconds").GetDouble() >= 0);
        });
        Assert.Empty(Directory.GetFiles(folder.Path, "*.tmp"));
    }

    [Fact]
    public void Plain_output_has_a_backend_line_a_header_and_one_row_per_epoch()
    {
        var outcome = CommandLine.Run("train", "--data-dir", folder.Path, "--backend", "reference", "--arch", "linear",
            "--epochs", "2", "--batch-size", "10");

        Assert.Equal(0, outcome.ExitCode);
        var lines = outcome.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("backend reference: ", lines[0]);
        var header = Array.FindIndex(lines, l => l.StartsWith("epoch  train_loss", StringComparison.Ordinal));
        Assert.Equal("epoch  train_loss   test_loss  accuracy  seconds", lines[header]);
        Assert.Contains("10 test images", outcome.Output);
        Assert.Equal(2, lines.Length - header - 1);
        Assert.Matches(@"^\s+1\s+\d+\.\d{6}\s+\d+\.\d{6}\s+\d\.\d{4}\s+\d+\.\d{2}$", lines[header + 1]);
    }

    [Fact]
    public void Quiet_prints_only_the_final_row()
    {
        var outcome = CommandLine.Run("train", "--data-dir", folder.Path, "--backend", "reference", "--arch", "linear",
            "--epochs", "3", "--batch-size", "10", "--quiet");

        Assert.Equal(0, outcome.ExitCode);
        var lines = outcome.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        Assert.StartsWith("    3 ", lines[1]);
        Assert.Equal("", outcome.Error);
    }

    [Fact]
    public void A_learning_rate_that_explodes_is_reported_as_divergence_with_exit_4()
    {
        var outcome = CommandLine.Run("train", "--data-dir", folder.Path, "--backend", "ilgpu-cpu", "--layers", "784-16-10",
            "--epochs", "3", "--batch-size", "4", "--lr", "1e30", "--quiet");

        Assert.Equal(4, outcome.ExitCode);
        var line = Assert.Single(outcome.ErrorLines);
        Assert.Matches("^descent: error: training diverged: non-finite loss at epoch 1, batch \\d+; try a lower learning rate$", line);
    }

    /// <summary>Images of any size load: 12 x 12 digits train an MLP whose input width follows the data, and are recorded in the spec.</summary>
    [Fact]
    public void Images_of_any_size_train_with_the_input_width_following_the_data()
    {
        using var small = new TemporaryFolder();
        const int side = 12, items = 30;
        var labels = Enumerable.Range(0, items).Select(i => (byte)(i % 10)).ToArray();
        var images = Enumerable.Range(0, items)
            .SelectMany(i => Enumerable.Range(0, side * side).Select(p => (byte)(p / side == i % 10 ? 255 : 0))).ToArray();
        foreach (var prefix in new[] { "train", "t10k" })
        {
            File.WriteAllBytes(small.File($"{prefix}-images-idx3-ubyte"), IdxBytes.Images(items, side, side, images));
            File.WriteAllBytes(small.File($"{prefix}-labels-idx1-ubyte"), IdxBytes.Labels(labels));
        }
        var metrics = small.File("metrics.json");

        var byDefault = CommandLine.Run("train", "--data-dir", small.Path, "--epochs", "1", "--batch-size", "8", "--metrics-out", metrics);
        var explicitWidths = CommandLine.Run("train", "--data-dir", small.Path, "--layers", "144-16-10", "--epochs", "1", "--batch-size", "8");
        var wrongWidth = CommandLine.Run("train", "--data-dir", small.Path, "--layers", "784-16-10", "--epochs", "1");

        Assert.Equal(0, byDefault.ExitCode);
        Assert.Contains("model 144-128-10", byDefault.Output);
        using var document = JsonDocument.Parse(File.ReadAllText(metrics));
        Assert.Equal([1, side, side], document.RootElement.GetProperty("spec").GetProperty("input_shape").EnumerateArray().Select(e => e.GetInt32()));
        Assert.Equal(0, explicitWidths.ExitCode);
        Assert.Equal(2, wrongWidth.ExitCode);
        Assert.Equal("descent: error: layers must start at 144, the pixels of one image of the data, got 784-16-10",
            wrongWidth.ErrorLines.Last());
    }
}
