using System.Text.Json;
using Descent.Engine.Training;
using Descent.Tests.Data;
using Xunit;

namespace Descent.Tests.Host;

/// <summary>`descent eval MODEL`: a saved model's test-set figures agree with training's last row, and its confusion matrix with them.</summary>
public sealed class EvalCommandTests : IDisposable
{
    private readonly TemporaryFolder folder = new();

    public EvalCommandTests() => DigitFolder.Write(folder, train: 40, test: 10);

    public void Dispose() => folder.Dispose();

    [Fact]
    public void Eval_reports_the_test_accuracy_training_ended_with_and_a_consistent_confusion_matrix()
    {
        var model = folder.File("model.safetensors");
        var trained = CommandLine.Run("train", "--data-dir", folder.Path, "--layers", "784-16-10", "--epochs", "2", "--batch-size", "8",
            "--save", model);

        var outcome = CommandLine.Run("eval", model, "--data-dir", folder.Path, "--json");

        Assert.Equal(0, outcome.ExitCode);
        using var document = JsonDocument.Parse(outcome.Output);
        var root = document.RootElement;
        var accuracy = root.GetProperty("accuracy").GetDouble();
        var (lastLoss, lastAccuracy) = CommandLine.LastEvaluation(trained.Output);
        Assert.Equal(lastAccuracy, accuracy, 4);
        Assert.Equal(lastLoss, root.GetProperty("loss").GetDouble(), 5);
        var matrix = root.GetProperty("confusion").EnumerateArray().Select(row => row.EnumerateArray().Select(c => c.GetInt64()).ToArray()).ToArray();
        Assert.Equal(10, matrix.Length);
        Assert.Equal(10, matrix.Sum(row => row.Sum()));
        Assert.Equal(accuracy, Enumerable.Range(0, 10).Sum(i => matrix[i][i]) / 10.0, 6);
        Assert.Equal(10, root.GetProperty("items").GetInt32());
    }

    [Fact]
    public void Eval_shows_a_table_per_class_for_a_one_output_model()
    {
        var model = folder.File("linear.safetensors");
        Assert.Equal(0, CommandLine.Run("train", "--data-dir", folder.Path, "--dataset", "mnist-3-7", "--arch", "linear", "--epochs", "1",
            "--save", model).ExitCode);

        var outcome = CommandLine.Run("eval", model, "--data-dir", folder.Path);

        Assert.Equal(0, outcome.ExitCode);
        Assert.Contains("on the mnist-3-7 test set", outcome.Output);
        Assert.Contains("true \\ predicted", outcome.Output);
    }

    public static TheoryData<string, string[], string[]> ClassNames => new()
    {
        { "mnist", ["--layers", "784-16-10"], ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"] },
        { "mnist-3-7", ["--arch", "linear"], ["7", "3"] },
        { "fashion-mnist", ["--layers", "784-16-10"],
            ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"] },
    };

    [Theory]
    [MemberData(nameof(ClassNames))]
    public void Eval_names_the_classes_in_its_json_and_its_table(string dataset, string[] model, string[] classes)
    {
        var path = folder.File($"{dataset}.safetensors");
        Assert.Equal(0, CommandLine.Run(["train", "--data-dir", folder.Path, "--dataset", dataset, .. model, "--epochs", "1",
            "--backend", "reference", "--save", path]).ExitCode);

        var json = CommandLine.Run("eval", path, "--data-dir", folder.Path, "--backend", "reference", "--json");
        var table = CommandLine.Run("eval", path, "--data-dir", folder.Path, "--backend", "reference");

        Assert.Equal(0, json.ExitCode);
        using var document = JsonDocument.Parse(json.Output);
        Assert.Equal(classes, document.RootElement.GetProperty("classes").EnumerateArray().Select(c => c.GetString()));
        Assert.Equal(classes.Length, document.RootElement.GetProperty("confusion").GetArrayLength());
        Assert.Equal(0, table.ExitCode);
        var rows = table.Output.Split('\n').Select(row => row.Split('│', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)).ToList();
        var header = rows.Single(cells => cells.Length > 0 && cells[0] == "true \\ predicted");
        Assert.Equal([.. classes, "accuracy"], header[1..]);
        Assert.Equal(classes, rows.Where(cells => cells.Length == classes.Length + 2 && cells[0] != header[0]).Select(cells => cells[0]));
    }

    /// <summary>The batch size changes how the test set is stepped through, not what the model scores.</summary>
    [Fact]
    public void Eval_takes_a_batch_size_of_its_own_and_refuses_a_bad_one_as_train_does()
    {
        var model = folder.File("model.safetensors");
        Assert.Equal(0, CommandLine.Run("train", "--data-dir", folder.Path, "--layers", "784-16-10", "--epochs", "1", "--batch-size", "8",
            "--save", model).ExitCode);

        var asTrained = CommandLine.Run("eval", model, "--data-dir", folder.Path, "--json");
        var smaller = CommandLine.Run("eval", model, "--data-dir", folder.Path, "--json", "--batch-size", "3");
        var zero = CommandLine.Run("eval", model, "--data-dir", folder.Path, "--batch-size", "0");
        var trainZero = CommandLine.Run("train", "--data-dir", folder.Path, "--batch-size", "0");

        Assert.Equal(0, smaller.ExitCode);
        using var expected = JsonDocument.Parse(asTrained.Output);
        using var actual = JsonDocument.Parse(smaller.Output);
        Assert.Equal(expected.RootElement.GetProperty("accuracy").GetDouble(), actual.RootElement.GetProperty("accuracy").GetDouble());
        Assert.Equal(expected.RootElement.GetProperty("loss").GetDouble(), actual.RootElement.GetProperty("loss").GetDouble(), 5);
        Assert.Equal(CommandLine.AssertOneLineError(trainZero, 2, "--batch-size must be 1 or more"),
            CommandLine.AssertOneLineError(zero, 2, "--batch-size must be 1 or more"));
    }

    /// <summary>The model file decides the run: an option that would contradict it is not offered, so it cannot be silently ignored.</summary>
    [Theory]
    [InlineData("--lr", "0.1")]
    [InlineData("--layers", "784-32-10")]
    [InlineData("--normalize", "standardize")]
    [InlineData("--optimizer", "adamw")]
    [InlineData("--dataset", "cifar-100")]
    public void Eval_refuses_options_the_model_file_decides(string option, string value)
    {
        var model = folder.File("model.safetensors");
        Assert.Equal(0, CommandLine.Run("train", "--data-dir", folder.Path, "--layers", "784-16-10", "--epochs", "1", "--save", model).ExitCode);

        var outcome = CommandLine.Run("eval", model, "--data-dir", folder.Path, option, value);

        CommandLine.AssertOneLineError(outcome, 2, value);
    }

    [Fact]
    public void A_file_without_descents_metadata_is_bad_input()
    {
        var model = folder.File("bare.safetensors");
        File.WriteAllBytes(model, Descent.Engine.Files.SafeTensors.Encode([], new Dictionary<string, string>()));

        var outcome = CommandLine.Run("eval", model, "--data-dir", folder.Path);

        Assert.Equal(2, outcome.ExitCode);
        Assert.Contains("has no descent_spec metadata", Assert.Single(outcome.ErrorLines));
    }

    [Fact]
    public void The_confusion_matrix_counts_argmax_and_the_sign_of_a_single_logit()
    {
        var many = new ConfusionMatrix(3);
        many.Add([0, 1, 2, 2], [5f, 1f, 0f, 0f, 2f, 9f, 1f, 1f, 1f, 0f, 3f, 2f], 3);
        var single = new ConfusionMatrix(2);
        single.Add([1, 0, 1], [0.5f, -2f, -0.1f], 1);

        Assert.Equal(1, many[0, 0]);
        Assert.Equal(1, many[1, 2]);
        Assert.Equal(1, many[2, 0]);
        Assert.Equal(1, many[2, 1]);
        Assert.Equal(0.0, many.ClassAccuracy(2));
        Assert.Equal(4, many.Total);
        Assert.Equal(1, single[1, 1]);
        Assert.Equal(1, single[0, 0]);
        Assert.Equal(1, single[1, 0]);
        Assert.Equal(0.5, single.ClassAccuracy(1));
    }
}
