using System.Text.Json;
using Descent.Engine.Models;
using Descent.Tests.Data;
using Xunit;

namespace Descent.Tests.Host;

/// <summary>
/// --augment through `descent train` end to end, on the hand-made digit folder read as Fashion-MNIST (whose items may be
/// mirrored): a run resumed after two epochs matches three never interrupted, bit for bit, and keeps its checkpoint's
/// augmentation; augmentation changes what trains but never what evaluates; a bad list is one line and exit 2.
/// </summary>
public sealed class AugmentationCommandTests : IDisposable
{
    private const string TinyNet = "1x28x28-conv4k3s2-relu-maxpool2-flatten-16-relu-10";

    private readonly TemporaryFolder folder = new();

    public AugmentationCommandTests() => DigitFolder.Write(folder, train: 200, test: 40);

    public void Dispose() => folder.Dispose();

    [Theory]
    [InlineData("reference")]
    [InlineData("cpu")]
    public void A_run_with_augment_resumed_after_two_epochs_matches_three_never_interrupted_bit_for_bit(string backend)
    {
        string[] options = ["--backend", backend, "--dataset", "fashion-mnist", "--layers", TinyNet, "--batch-size", "32", "--lr", "0.05"];
        var straight = Train([.. options, "--augment", "crop4reflect,flip", "--epochs", "3", "--metrics-out", folder.File("straight.json"),
            "--save", folder.File("straight.safetensors")]);
        var firstPart = Train([.. options, "--augment", "flip,crop4reflect", "--epochs", "2", "--checkpoint", folder.File("run")]);
        // No --augment: the resumed run keeps the checkpoint's.
        var resumed = Train(["--backend", backend, "--resume", folder.File("run"), "--epochs", "3", "--metrics-out", folder.File("resumed.json"),
            "--save", folder.File("resumed.safetensors")]);

        Assert.True(straight.ExitCode == 0, straight.Error);
        Assert.True(firstPart.ExitCode == 0, firstPart.Error);
        Assert.True(resumed.ExitCode == 0, resumed.Error);
        Assert.Equal(Losses(folder.File("straight.json")), Losses(folder.File("resumed.json")));
        Assert.Equal(File.ReadAllBytes(folder.File("straight.safetensors")), File.ReadAllBytes(folder.File("resumed.safetensors")));
        var (spec, _) = ModelWeights.ReadModel(folder.File("resumed.safetensors"));
        Assert.Equal(["crop4reflect", "flip"], spec.Augment);
    }

    [Fact]
    public void Augmentation_changes_training_but_evaluation_sees_the_items_as_they_are()
    {
        string[] options = ["--backend", "cpu", "--dataset", "fashion-mnist", "--layers", TinyNet, "--epochs", "1", "--batch-size", "32"];
        var plain = Train([.. options, "--metrics-out", folder.File("plain.json"), "--save", folder.File("plain.safetensors")]);
        var augmented = Train([.. options, "--augment", "crop2,flip", "--metrics-out", folder.File("augmented.json"),
            "--save", folder.File("augmented.safetensors")]);
        var evaluated = CommandLine.Run("eval", folder.File("augmented.safetensors"), "--data-dir", folder.Path, "--backend", "cpu", "--json");

        Assert.True(plain.ExitCode == 0, plain.Error);
        Assert.True(augmented.ExitCode == 0, augmented.Error);
        Assert.True(evaluated.ExitCode == 0, evaluated.Error);
        Assert.NotEqual(Losses(folder.File("plain.json"))[0].TrainLoss, Losses(folder.File("augmented.json"))[0].TrainLoss);
        // eval reads the model's spec, augmentation and all, and evaluates unaugmented, as training's own evaluation did.
        using var json = JsonDocument.Parse(evaluated.Output);
        var (testLoss, accuracy) = (json.RootElement.GetProperty("loss").GetDouble(), json.RootElement.GetProperty("accuracy").GetDouble());
        Assert.Equal(Losses(folder.File("augmented.json"))[0].TestLoss, testLoss, 5);
        Assert.Equal(Losses(folder.File("augmented.json"))[0].Accuracy, accuracy, 5);
    }

    [Theory]
    [InlineData("fashion-mnist", "rotate", "--augment 'rotate' is not")]
    [InlineData("fashion-mnist", "crop", "--augment 'crop' is not")]
    [InlineData("fashion-mnist", "flip,flip", "given once")]
    [InlineData("fashion-mnist", "crop28", "less than the image's 28x28 sides")]
    [InlineData("mnist", "crop4,flip", "no flip for them")]
    [InlineData("mnist", "", "is not")]
    public void A_bad_augment_list_is_one_line_and_exit_2_with_nothing_written(string dataset, string list, string expected)
    {
        var outcome = Train("--backend", "cpu", "--dataset", dataset, "--augment", list, "--epochs", "1", "--save", folder.File("model.safetensors"));

        Assert.Equal(2, outcome.ExitCode);
        Assert.Contains(expected, outcome.Error);
        Assert.Single(outcome.Error.Trim().Split('\n'));
        Assert.False(File.Exists(folder.File("model.safetensors")));
    }

    [Fact]
    public void Help_documents_the_augment_list()
    {
        var help = CommandLine.Run("train", "--help").Output.Replace("\n", " ").Replace("  ", "");

        Assert.Contains("--augment", help);
        Assert.Contains("cropNreflect", help);
        Assert.Contains("crop4,flip", help);
    }

    private CommandLine.Outcome Train(params string[] args) => CommandLine.Run(["train", "--data-dir", folder.Path, "--quiet", .. args]);

    private static List<(double TrainLoss, double TestLoss, double Accuracy)> Losses(string metricsPath)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(metricsPath));
        return document.RootElement.GetProperty("epochs").EnumerateArray()
            .Select(row => (row.GetProperty("train_loss").GetDouble(), row.GetProperty("test_loss").GetDouble(),
                row.GetProperty("accuracy").GetDouble()))
            .ToList();
    }
}
