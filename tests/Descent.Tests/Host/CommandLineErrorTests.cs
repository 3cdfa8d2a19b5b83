using Descent.Tests.Data;
using Xunit;

namespace Descent.Tests.Host;

/// <summary>
/// Every bad input ends in one line on stderr, `descent: error: ...`, and the documented exit code,
/// never a stack trace. Data errors use a --data-dir of hand-made IDX files.
/// </summary>
public sealed class CommandLineErrorTests : IDisposable
{
    private const int Pixels = 28 * 28;
    private readonly TemporaryFolder folder = new();

    public void Dispose() => folder.Dispose();

    public static TheoryData<string, string[]> BadOptions => new()
    {
        { "must be a positive number", ["--lr", "-1"] },
        { "--batch-size must be 1 or more", ["--batch-size", "0"] },
        { "--epochs must be 0 or more", ["--epochs", "-3"] },
        { "unknown backend 'warp-drive'", ["--backend", "warp-drive"] },
        { "layers must start at 784", ["--layers", "100-10"] },
        { "do not fit mnist", ["--layers", "784-30-5"] },
        { "do not fit mnist-3-7", ["--dataset", "mnist-3-7", "--layers", "784-30-3"] },
        { "do not fit mnist-3-7", ["--dataset", "mnist-3-7", "--loss", "cross-entropy", "--layers", "784-1"] },
        { "do not fit mnist", ["--loss", "bce"] },
        { "is not a layer", ["--layers", "784-abc-10"] },
        { "is not a layer", ["--layers", "784--10"] },
        { "is not a layer", ["--layers", "1x28x28-conv4k3-pool2-flatten-10"] },
        { "names its activations, so --activation tanh would be ignored", ["--layers", "1x28x28-conv4k3-relu-flatten-10", "--activation", "tanh"] },
        { "layers must start at 1x28x28", ["--layers", "1x27x27-conv4k3-flatten-10"] },
        { "put flatten before it", ["--layers", "1x28x28-conv4k3-10"] },
        { "kernel is larger than the padded input", ["--layers", "1x28x28-conv4k29-flatten-10"] },
        { "--activation applies with --layers only", ["--arch", "cnn", "--activation", "tanh"] },
        { "--layers applies to --arch mlp", ["--arch", "simple", "--layers", "784-10"] },
        { "'sgdx'", ["--optimizer", "sgdx"] },
        { "'--warp'", ["--warp"] },
        { "--epochs takes an integer from", ["--epochs", "many"] },
    };

    [Theory]
    [MemberData(nameof(BadOptions))]
    public void Bad_options_are_one_line_and_exit_2(string expected, string[] options)
    {
        WriteDataset(train: 4, test: 2);
        string[] backend = options.Contains("--backend") ? [] : ["--backend", "reference"];
        var outcome = CommandLine.Run(["train", "--data-dir", folder.Path, "--quiet", .. backend, .. options]);

        CommandLine.AssertOneLineError(outcome, 2, expected);
    }

    [Fact]
    public void A_truncated_image_file_is_bad_input()
    {
        WriteDataset(train: 4, test: 2);
        var path = folder.File("train-images-idx3-ubyte");
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..^10]);

        CommandLine.AssertOneLineError(Train(), 2, "train-images-idx3-ubyte");
    }

    [Fact]
    public void A_wrong_magic_number_is_bad_input()
    {
        WriteDataset(train: 4, test: 2);
        File.WriteAllBytes(folder.File("t10k-labels-idx1-ubyte"), IdxBytes.File(0x00000803, [2], [1, 2]));

        CommandLine.AssertOneLineError(Train(), 2, "t10k-labels-idx1-ubyte");
    }

    [Fact]
    public void Image_and_label_counts_that_differ_are_bad_input()
    {
        WriteDataset(train: 4, test: 2);
        File.WriteAllBytes(folder.File("train-labels-idx1-ubyte"), IdxBytes.Labels(1, 2, 3));

        CommandLine.AssertOneLineError(Train(), 2, "train");
    }

    [Fact]
    public void A_label_out_of_range_is_bad_input()
    {
        WriteDataset(train: 4, test: 2);
        File.WriteAllBytes(folder.File("t10k-labels-idx1-ubyte"), IdxBytes.Labels(3, 12));

        CommandLine.AssertOneLineError(Train(), 2, "12");
    }

    [Fact]
    public void Dimensions_that_do_not_match_the_file_size_are_bad_input()
    {
        WriteDataset(train: 4, test: 2);
        File.WriteAllBytes(folder.File("t10k-images-idx3-ubyte"), IdxBytes.File(0x00000803, [2, 28, 29], new byte[2 * Pixels]));

        CommandLine.AssertOneLineError(Train(), 2, "t10k-images-idx3-ubyte");
    }

    [Fact]
    public void An_empty_file_is_bad_input()
    {
        WriteDataset(train: 4, test: 2);
        File.WriteAllBytes(folder.File("train-labels-idx1-ubyte"), []);

        CommandLine.AssertOneLineError(Train(), 2, "train-labels-idx1-ubyte");
    }

    [Fact]
    public void A_missing_data_folder_is_bad_input()
    {
        CommandLine.AssertOneLineError(CommandLine.Run("train", "--data-dir", folder.File("nowhere"), "--backend", "reference"), 2, "does not exist");
    }

    [Fact]
    public void A_device_index_that_does_not_exist_is_unavailable()
    {
        WriteDataset(train: 4, test: 2);
        CommandLine.AssertOneLineError(CommandLine.Run("train", "--data-dir", folder.Path, "--backend", "reference", "--device", "7"), 3, "--device 7");
    }

    [Fact]
    public void No_command_is_bad_usage()
    {
        CommandLine.AssertOneLineError(CommandLine.Run(), 2, "command");
    }

    private CommandLine.Outcome Train() =>
        CommandLine.Run("train", "--data-dir", folder.Path, "--backend", "reference", "--epochs", "1", "--quiet");

    private void WriteDataset(int train, int test) => DigitFolder.Write(folder, train, test);
}
