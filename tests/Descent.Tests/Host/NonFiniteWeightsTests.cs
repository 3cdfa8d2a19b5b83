using Descent.Engine.Files;
using Descent.Tests.Data;
using Xunit;

namespace Descent.Tests.Host;

/// <summary>
/// A model or checkpoint whose tensors hold NaN or an infinity is refused when it is read (exit 2, naming the
/// tensor and its first bad element) by every command that loads one, before any training or device work:
/// without the check, --init would train an epoch only to stop as "diverged", and predict would rank NaN.
/// </summary>
public sealed class NonFiniteWeightsTests : IDisposable
{
    private readonly TemporaryFolder folder = new();

    public NonFiniteWeightsTests() => DigitFolder.Write(folder, train: 40, test: 10);

    public void Dispose() => folder.Dispose();

    public static TheoryData<float, string> Poisons => new()
    {
        { float.NaN, "NaN" },
        { float.PositiveInfinity, "+infinity" },
        { float.NegativeInfinity, "-infinity" },
    };

    [Theory]
    [MemberData(nameof(Poisons))]
    public void Init_from_weights_with_a_non_finite_value_is_refused_before_training_naming_the_tensor_and_position(float poison, string name)
    {
        var model = SavedModel();
        Poison(model, "2.weight", [3, 7, 9], poison);
        var metrics = folder.File("metrics.json");

        var outcome = CommandLine.Run("train", "--data-dir", folder.Path, "--layers", "784-16-10", "--epochs", "1", "--init", model,
            "--metrics-out", metrics);

        var line = CommandLine.AssertOneLineError(outcome, 2, $"tensor 2.weight holds {name} at [0, 3] (and 2 more non-finite values)");
        Assert.Contains(model, line);
        Assert.DoesNotContain("diverged", line);
        // Refused before training: no metrics file was begun.
        Assert.False(File.Exists(metrics));
    }

    [Theory]
    [InlineData("eval")]
    [InlineData("predict")]
    [InlineData("export")]
    [InlineData("weights")]
    public void Every_command_that_reads_a_model_refuses_one_with_nan(string command)
    {
        var model = SavedModel();
        Poison(model, "0.bias", [5], float.NaN);
        string[] args = command switch
        {
            "eval" => ["eval", model, "--data-dir", folder.Path],
            "predict" => ["predict", model, "--index", "0", "--data-dir", folder.Path],
            "export" => ["export", model, "--onnx", folder.File("model.onnx")],
            _ => ["weights", model, "--out", folder.File("weights.png")],
        };

        CommandLine.AssertOneLineError(CommandLine.Run(args), 2, "tensor 0.bias holds NaN at [5]");
        Assert.False(File.Exists(folder.File("model.onnx")));
        Assert.False(File.Exists(folder.File("weights.png")));
    }

    [Theory]
    [InlineData("model.safetensors", "0.weight")]
    [InlineData("optimizer.safetensors", null)]
    public void Resuming_a_checkpoint_with_an_infinity_is_refused_and_the_checkpoint_left_as_it_was(string file, string? tensor)
    {
        var root = folder.File("run");
        Assert.Equal(0, CommandLine.Run("train", "--data-dir", folder.Path, "--layers", "784-16-10", "--epochs", "1",
            "--checkpoint", root).ExitCode);
        var path = Path.Combine(root, "checkpoint-1", file);
        var name = Poison(path, tensor, [0], float.PositiveInfinity);

        var outcome = CommandLine.Run("train", "--data-dir", folder.Path, "--resume", root, "--epochs", "2");

        CommandLine.AssertOneLineError(outcome, 2, $"tensor {name} holds +infinity at [0");
        Assert.Equal("checkpoint-1", File.ReadAllText(Path.Combine(root, "latest")).Trim());
        Assert.False(Directory.Exists(Path.Combine(root, "checkpoint-2")));
    }

    private string SavedModel()
    {
        var model = folder.File("model.safetensors");
        Assert.Equal(0, CommandLine.Run("train", "--data-dir", folder.Path, "--layers", "784-16-10", "--epochs", "1", "--save", model).ExitCode);
        return model;
    }

    /// <summary>Rewrites the file with <paramref name="poison"/> at the flat positions given of one tensor (the first float tensor when null); returns its name.</summary>
    private static string Poison(string path, string? tensor, int[] positions, float poison)
    {
        var file = SafeTensors.Read(path);
        var target = file.Tensors.First(candidate => tensor is null ? candidate.Integers is null && candidate.Values.Length > 0 : candidate.Name == tensor);
        foreach (var position in positions)
        {
            target.Values[position] = poison;
        }
        SafeTensors.Write(path, file.Tensors, file.Metadata);
        return target.Name;
    }
}
