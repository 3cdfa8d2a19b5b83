using Descent.Tests.Data;
using Xunit;

namespace Descent.Tests.Host;

/// <summary>The commands that draw: train --plot, eval --plot, weights and lr-find, on a small hand-made MNIST-format folder.</summary>
public sealed class PlotCommandTests : IDisposable
{
    private readonly TemporaryFolder folder = new();

    public PlotCommandTests() => DigitFolder.Write(folder, train: 60, test: 20);

    public void Dispose() => folder.Dispose();

    [Fact]
    public void Train_plots_each_epoch_then_eval_draws_the_confusion_matrix_and_weights_draws_the_first_layer()
    {
        var (model, curves, confusion, weights) = (folder.File("mlp.safetensors"), folder.File("curves.png"), folder.File("confusion.png"),
            folder.File("weights.png"));

        var trained = CommandLine.Run("train", "--data-dir", folder.Path, "--backend", "cpu", "--layers", "784-12-10", "--epochs", "3",
            "--batch-size", "10", "--save", model, "--plot", curves, "--size", "400x300");
        var evaluated = CommandLine.Run("eval", model, "--data-dir", folder.Path, "--backend", "cpu", "--plot", confusion);
        var drawn = CommandLine.Run("weights", model, "--out", weights, "--size", "640x480");

        Assert.Equal(0, trained.ExitCode);
        PngFile.AssertReadable(curves, 400, 300);
        Assert.Equal(0, evaluated.ExitCode);
        PngFile.AssertReadable(confusion, 800, 600);
        Assert.Equal(0, drawn.ExitCode);
        Assert.Contains("12 units of 784-12-10, each drawn as 28x28", drawn.Output);
        PngFile.AssertReadable(weights, 640, 480);
        Assert.Empty(Directory.GetFiles(folder.Path, "*.tmp"));
    }

    [Fact]
    public void Weights_of_the_linear_3_vs_7_model_are_one_panel_of_pixel_weights()
    {
        var (model, weights) = (folder.File("linear.safetensors"), folder.File("pixels.png"));
        var trained = CommandLine.Run("train", "--data-dir", folder.Path, "--backend", "cpu", "--dataset", "mnist-3-7", "--arch", "linear",
            "--epochs", "2", "--save", model, "--quiet");

        var drawn = CommandLine.Run("weights", model, "--out", weights);

        Assert.Equal(0, trained.ExitCode);
        Assert.Equal(0, drawn.ExitCode);
        Assert.Contains("1 unit of 784-1, each drawn as 28x28", drawn.Output);
        PngFile.AssertReadable(weights, 800, 600);
    }

    [Fact]
    public void Lr_find_suggests_a_rate_and_draws_the_sweep_and_divergence_ends_it_without_an_error()
    {
        var sweep = folder.File("sweep.png");

        var gentle = CommandLine.Run("lr-find", "--data-dir", folder.Path, "--backend", "cpu", "--layers", "784-12-10", "--batch-size", "4",
            "--steps", "10", "--end-lr", "0.1", "--plot", sweep, "--size", "300x200");
        var exploding = CommandLine.Run("lr-find", "--data-dir", folder.Path, "--backend", "cpu", "--layers", "784-12-10", "--batch-size", "4",
            "--start-lr", "1", "--end-lr", "1e30", "--steps", "15");

        Assert.Equal(0, gentle.ExitCode);
        Assert.Contains("over 10 steps (at most one epoch: 15 batches); 10 steps taken: every planned rate tried", gentle.Output);
        Assert.Matches(@"suggested learning rate: \d", gentle.Output);
        PngFile.AssertReadable(sweep, 300, 200);
        Assert.Equal(0, exploding.ExitCode);
        Assert.Contains("stopped early", exploding.Output);
        Assert.Equal("", exploding.Error);
    }

    [Fact]
    public void A_sweep_longer_than_an_epoch_is_cut_to_one_epoch()
    {
        var outcome = CommandLine.Run("lr-find", "--data-dir", folder.Path, "--backend", "cpu", "--layers", "784-12-10", "--batch-size", "20",
            "--steps", "100", "--end-lr", "0.01");

        Assert.Equal(0, outcome.ExitCode);
        Assert.Contains("over 3 steps (at most one epoch: 3 batches)", outcome.Output);
    }

    [Theory]
    [InlineData("train", "--plot")]
    [InlineData("lr-find", "--plot")]
    public void A_picture_into_a_missing_folder_is_refused_before_any_work(string command, string option)
    {
        var missing = Path.Combine(folder.Path, "no-such-folder", "picture.png");

        var outcome = CommandLine.Run(command, "--data-dir", folder.Path, "--backend", "cpu", option, missing);

        Assert.Equal(2, outcome.ExitCode);
        Assert.StartsWith($"descent: error: {option} {missing}: the folder", outcome.ErrorLines.Last());
    }
}
