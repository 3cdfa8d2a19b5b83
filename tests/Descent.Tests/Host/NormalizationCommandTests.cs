using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Descent.Engine.Files;
using Descent.Engine.Models;
using Descent.Engine.Training;
using Descent.Tests.Data;
using Xunit;

namespace Descent.Tests.Host;

/// <summary>
/// The input normalisation through the command line: --normalize is recorded in the spec of a saved model, bad
/// values are refused before any data is read, lr-find takes the same normalisation as train, and model files
/// from before the spec held it (input_scale and input_shift metadata only) still evaluate and predict alike.
/// </summary>
public sealed class NormalizationCommandTests : IDisposable
{
    private readonly TemporaryFolder folder = new();

    public NormalizationCommandTests() => DigitFolder.Write(folder, train: 40, test: 10);

    public void Dispose() => folder.Dispose();

    [Theory]
    [InlineData("0.1", "is not unit")]
    [InlineData("0.1,0", "standard deviations must be positive")]
    [InlineData("0.1,0.3;0.2", "is not unit")]
    [InlineData("zscore", "is not unit")]
    [InlineData("0.1,0.3;0.2,0.3", "2 mean(s)")]
    public void Bad_normalize_values_exit_2_with_one_line(string value, string expected)
    {
        var outcome = CommandLine.Run("train", "--data-dir", folder.Path, "--normalize", value, "--epochs", "1");

        CommandLine.AssertOneLineError(outcome, 2, expected);
        Assert.DoesNotContain("training images", outcome.Output);
    }

    [Fact]
    public void Given_values_are_recorded_in_the_saved_spec_and_eval_matches_training()
    {
        var model = folder.File("given.safetensors");
        var trained = CommandLine.Run("train", "--data-dir", folder.Path, "--layers", "784-16-10", "--epochs", "2", "--batch-size", "8",
            "--normalize", "0.2,0.4", "--save", model);
        Assert.True(trained.ExitCode == 0, trained.Error);

        var (spec, _) = ModelWeights.ReadModel(model);
        Assert.Equal(InputNormalization.Standardize([0.2], [0.4]), spec.Normalization);
        var (loss, accuracy) = CommandLine.LastEvaluation(trained.Output);
        var evaluated = Evaluate(model);
        Assert.Equal(accuracy, evaluated.Accuracy, 4);
        Assert.Equal(loss, evaluated.Loss, 5);
    }

    [Fact]
    public void Lr_find_with_arch_cnn_sweeps_on_the_standardised_inputs_train_uses()
    {
        var swept = CommandLine.Run("lr-find", "--data-dir", folder.Path, "--backend", "cpu", "--arch", "cnn", "--batch-size", "8",
            "--steps", "3");
        var trained = CommandLine.Run("train", "--data-dir", folder.Path, "--backend", "cpu", "--arch", "cnn", "--batch-size", "8",
            "--epochs", "0");

        Assert.True(swept.ExitCode == 0, swept.Error);
        Assert.True(trained.ExitCode == 0, trained.Error);
        var inputs = InputsOf(trained.Output);
        Assert.StartsWith("inputs standardize mean ", inputs);
        Assert.Equal(inputs, InputsOf(swept.Output));
    }

    [Fact]
    public void Lr_find_takes_normalize_as_train_does()
    {
        var swept = CommandLine.Run("lr-find", "--data-dir", folder.Path, "--backend", "cpu", "--layers", "784-16-10", "--batch-size", "8",
            "--steps", "3", "--normalize", "0.5,0.25");

        Assert.True(swept.ExitCode == 0, swept.Error);
        Assert.Equal("inputs standardize mean 0.5 std 0.25", InputsOf(swept.Output));
    }

    [Theory]
    [InlineData("unit")]
    [InlineData("0.2,0.4")]
    public void An_older_model_file_with_scale_and_shift_metadata_only_evaluates_and_predicts_as_before(string normalize)
    {
        var model = folder.File("new.safetensors");
        var trained = CommandLine.Run("train", "--data-dir", folder.Path, "--layers", "784-16-10", "--epochs", "2", "--batch-size", "8",
            "--normalize", normalize, "--save", model);
        Assert.True(trained.ExitCode == 0, trained.Error);
        var older = WriteAsOlderFile(model);

        var (olderSpec, _) = ModelWeights.ReadModel(older);
        var (spec, _) = ModelWeights.ReadModel(model);
        Assert.Equal(spec.Normalization.Kind, olderSpec.Normalization.Kind);
        Assert.Equal(spec.Normalization.ScaleAndShift(), olderSpec.Normalization.ScaleAndShift());
        var now = Evaluate(model);
        var before = Evaluate(older);
        Assert.Equal(now.Accuracy, before.Accuracy);
        Assert.Equal(now.Loss, before.Loss, 6);
        var predictedNow = CommandLine.Run("predict", model, "--index", "0", "--index", "3", "--data-dir", folder.Path, "--json", "--backend", "cpu");
        var predictedBefore = CommandLine.Run("predict", older, "--index", "0", "--index", "3", "--data-dir", folder.Path, "--json", "--backend", "cpu");
        Assert.True(predictedBefore.ExitCode == 0, predictedBefore.Error);
        Assert.Equal(predictedNow.Output.Replace(model, older), predictedBefore.Output);
    }

    /// <summary>
    /// The model as Descent wrote it before the spec held the normalisation: the spec without "normalization" and
    /// "augment", and the pixel's scale and shift as metadata of their own.
    /// </summary>
    private string WriteAsOlderFile(string model)
    {
        var file = SafeTensors.Read(model);
        var spec = JsonNode.Parse(file.Metadata[ModelWeights.SpecKey])!.AsObject();
        var scaleShift = TrainingSpec.FromJson(spec).Normalization.ScaleAndShift();
        spec.Remove("normalization");
        spec.Remove("augment");
        var older = folder.File("older.safetensors");
        SafeTensors.Write(older, file.Tensors, new Dictionary<string, string>
        {
            [ModelWeights.SpecKey] = spec.ToJsonString(),
            [ModelWeights.ScaleKey] = scaleShift[0].ToString("R", CultureInfo.InvariantCulture),
            [ModelWeights.ShiftKey] = scaleShift[1].ToString("R", CultureInfo.InvariantCulture),
            [ModelWeights.VersionKey] = "0.1.0",
        });
        return older;
    }

    private (double Loss, double Accuracy) Evaluate(string model)
    {
        var outcome = CommandLine.Run("eval", model, "--data-dir", folder.Path, "--json");
        Assert.True(outcome.ExitCode == 0, outcome.Error);
        using var document = JsonDocument.Parse(outcome.Output);
        return (document.RootElement.GetProperty("loss").GetDouble(), document.RootElement.GetProperty("accuracy").GetDouble());
    }

    /// <summary>The "inputs ..." part of the line that describes a run.</summary>
    private static string InputsOf(string output)
    {
        var line = output.Split('\n').Single(line => line.Contains(", inputs ", StringComparison.Ordinal));
        return line[(line.IndexOf(", inputs ", StringComparison.Ordinal) + 2)..].TrimEnd();
    }
}
