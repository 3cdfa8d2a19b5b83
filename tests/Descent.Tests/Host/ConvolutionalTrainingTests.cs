using System.Text.Json;
using Descent.Engine.Files;
using Descent.Engine.Models;
using Descent.Engine.Training;
using Descent.Tests.Data;
using Xunit;

namespace Descent.Tests.Host;

/// <summary>
/// Convolutional nets through `descent train` end to end, on the hand-made digit folder: --arch cnn learns and
/// saves under PyTorch's example's names; a --layers conv net is saved under nn.Sequential's indices; a run
/// with dropout resumed after two epochs matches one never interrupted, bit for bit.
/// </summary>
public sealed class ConvolutionalTrainingTests : IDisposable
{
    /// <summary>A conv net small enough for the reference backend: every new layer, dropout twice.</summary>
    private const string TinyNet = "1x28x28-conv4k3s2-relu-maxpool2-dropout0.25-flatten-16-relu-dropout0.5-10";

    private readonly TemporaryFolder folder = new();

    public ConvolutionalTrainingTests() => DigitFolder.Write(folder, train: 300, test: 40);

    public void Dispose() => folder.Dispose();

    [Fact]
    public void Arch_cnn_learns_in_one_epoch_and_saves_under_the_examples_names()
    {
        var model = folder.File("cnn.safetensors");

        var outcome = CommandLine.Run("train", "--data-dir", folder.Path, "--backend", "cpu", "--arch", "cnn", "--epochs", "1", "--save", model);

        Assert.True(outcome.ExitCode == 0, outcome.Error);
        Assert.Contains("model 1x28x28-conv32k3-relu-conv64k3-relu-maxpool2-dropout0.25-flatten-128-relu-dropout0.5-10, loss cross-entropy, " +
            "adadelta lr 1, step schedule, batch 64, 1 epochs", outcome.Output);
        var (_, accuracy) = CommandLine.LastEvaluation(outcome.Output);
        // Ten classes: chance is 0.1. Five steps of the example's recipe on these separable digits reach well above it.
        Assert.True(accuracy >= 0.5, $"accuracy {accuracy} after one epoch");
        var file = SafeTensors.Read(model);
        Assert.Equal(["conv1.weight", "conv1.bias", "conv2.weight", "conv2.bias", "fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"],
            file.Tensors.Select(tensor => tensor.Name));
        Assert.Equal([32, 1, 3, 3], file.Tensors[0].Shape);
        Assert.Equal([128, 9216], file.Tensors[4].Shape);
        // As the example's transforms.Normalize, but with the training split's own mean and std, measured once and recorded.
        var (spec, _) = ModelWeights.ReadModel(model);
        Assert.Equal(NormalizationKind.Standardize, spec.Normalization.Kind);
        Assert.InRange(Assert.Single(spec.Normalization.Mean), 0.01, 0.99);
        Assert.InRange(Assert.Single(spec.Normalization.Std), 0.01, 0.99);
        Assert.Contains($"inputs {spec.Normalization}", outcome.Output);
    }

    [Fact]
    public void A_layers_conv_net_is_saved_under_sequential_indices_and_evaluates()
    {
        var model = folder.File("tiny.safetensors");

        var trained = CommandLine.Run("train", "--data-dir", folder.Path, "--backend", "reference", "--layers", TinyNet, "--epochs", "1",
            "--save", model);
        var evaluated = CommandLine.Run("eval", model, "--data-dir", folder.Path, "--backend", "reference", "--json");

        Assert.True(trained.ExitCode == 0, trained.Error);
        Assert.True(evaluated.ExitCode == 0, evaluated.Error);
        Assert.Equal(["0.weight", "0.bias", "5.weight", "5.bias", "8.weight", "8.bias"], SafeTensors.Read(model).Tensors.Select(tensor => tensor.Name));
        // Evaluation runs without dropout: the same figure as training's own evaluation of the last epoch.
        using var json = JsonDocument.Parse(evaluated.Output);
        Assert.Equal(CommandLine.LastEvaluation(trained.Output).Accuracy, json.RootElement.GetProperty("accuracy").GetDouble(), 4);
    }

    [Theory]
    [InlineData("reference")]
    [InlineData("cpu")]
    public void A_run_with_dropout_resumed_after_two_epochs_matches_one_never_interrupted_bit_for_bit(string backend)
    {
        string[] options = ["--backend", backend, "--layers", TinyNet, "--optimizer", "adadelta", "--lr", "1", "--batch-size", "64"];
        var straight = Train([.. options, "--epochs", "4", "--metrics-out", folder.File("straight.json"), "--save", folder.File("straight.safetensors")]);
        var firstHalf = Train([.. options, "--epochs", "2", "--checkpoint", folder.File("run")]);
        var resumed = Train(["--backend", backend, "--resume", folder.File("run"), "--epochs", "4", "--metrics-out", folder.File("resumed.json"),
            "--save", folder.File("resumed.safetensors")]);

        Assert.True(straight.ExitCode == 0, straight.Error);
        Assert.True(firstHalf.ExitCode == 0, firstHalf.Error);
        Assert.True(resumed.ExitCode == 0, resumed.Error);
        Assert.Equal(Losses(folder.File("straight.json")), Losses(folder.File("resumed.json")));
        Assert.Equal(File.ReadAllBytes(folder.File("straight.safetensors")), File.ReadAllBytes(folder.File("resumed.safetensors")));
        var optimizerState = SafeTensors.Read(Path.Combine(folder.File("run"), "checkpoint-2", "optimizer.safetensors"));
        Assert.Equal(["square_avg.0", "acc_delta.0"], optimizerState.Tensors.Select(tensor => tensor.Name));
    }

    [Fact]
    public void Help_documents_the_layers_grammar_and_the_cnn()
    {
        var help = CommandLine.Run("train", "--help");

        Assert.Contains("convNkK[sS][pP]", help.Output.Replace("\n", " ").Replace("  ", ""));
        Assert.Contains("cnn", help.Output);
        Assert.Contains("adadelta", help.Output);
    }

    private CommandLine.Outcome Train(params string[] args) => CommandLine.Run(["train", "--data-dir", folder.Path, "--quiet", .. args]);

    private static List<(double, double, double)> Losses(string metricsPath)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(metricsPath));
        return document.RootElement.GetProperty("epochs").EnumerateArray()
            .Select(row => (row.GetProperty("train_loss").GetDouble(), row.GetProperty("test_loss").GetDouble(),
                row.GetProperty("accuracy").GetDouble()))
            .ToList();
    }
}
