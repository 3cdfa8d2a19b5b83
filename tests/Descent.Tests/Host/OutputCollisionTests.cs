using Descent.Tests.Data;
using Xunit;

namespace Descent.Tests.Host;

/// <summary>
/// Two outputs of one `descent train` run that name one file (by any spelling: relative, through "..", through
/// a link to its folder or to the file) are refused before training, naming both options, and the file is
/// left as it was; so is an output where the checkpoint folder writes. Devices are streams and may be shared.
/// </summary>
public sealed class OutputCollisionTests : IDisposable
{
    private const string Existing = "an earlier result";
    private readonly TemporaryFolder folder = new();

    public OutputCollisionTests() => DigitFolder.Write(folder, train: 40, test: 10);

    public void Dispose() => folder.Dispose();

    [Theory]
    [InlineData("--metrics-out", "--save")]
    [InlineData("--save", "--plot")]
    [InlineData("--metrics-out", "--plot")]
    public void Two_outputs_naming_one_file_are_refused_before_training_naming_both(string first, string second)
    {
        var file = folder.File("out");
        File.WriteAllText(file, Existing);

        var outcome = Train(first, file, second, file);

        var line = CommandLine.AssertOneLineError(outcome, 2, "name the same file");
        Assert.Contains($"{first} {file}", line);
        Assert.Contains($"{second} {file}", line);
        Assert.Contains("give each its own", line);
        Assert.Empty(outcome.Output);
        Assert.Equal(Existing, File.ReadAllText(file));
    }

    [Theory]
    [InlineData("through ..")]
    [InlineData("a link to the folder")]
    [InlineData("a link to the file")]
    [InlineData("relative")]
    public void Two_spellings_of_one_file_collide(string spelling)
    {
        var sub = Directory.CreateDirectory(folder.File("sub")).FullName;
        var file = Path.Combine(sub, "out.json");
        File.WriteAllText(file, Existing);
        string other;
        switch (spelling)
        {
            case "through ..":
                other = Path.Combine(sub, "..", "sub", "out.json");
                break;
            case "a link to the folder":
                Directory.CreateSymbolicLink(folder.File("alias"), sub);
                other = Path.Combine(folder.File("alias"), "out.json");
                break;
            case "a link to the file":
                File.CreateSymbolicLink(folder.File("link.json"), file);
                other = folder.File("link.json");
                break;
            default:
                other = Path.GetRelativePath(Environment.CurrentDirectory, file);
                break;
        }

        var outcome = Train("--save", other, "--metrics-out", file);

        CommandLine.AssertOneLineError(outcome, 2, $"--save {other} and --metrics-out {file} name the same file ({file})");
        Assert.Equal(Existing, File.ReadAllText(file));
    }

    [Fact]
    public void Outputs_sent_to_one_device_do_not_collide()
    {
        var outcome = Train("--metrics-out", "/dev/null", "--save", "/dev/null");

        Assert.True(outcome.ExitCode == 0, outcome.Error);
    }

    [Theory]
    [InlineData("latest")]
    [InlineData("checkpoint-1/model.safetensors")]
    [InlineData("best/model.safetensors")]
    [InlineData(".lock")]
    public void An_output_where_the_checkpoint_folder_writes_is_refused(string name)
    {
        // The folder as an earlier run left it, which a rerun writes into again.
        var root = folder.File("run");
        Directory.CreateDirectory(Path.Combine(root, "checkpoint-1"));
        Directory.CreateDirectory(Path.Combine(root, "best"));

        var outcome = Train("--checkpoint", root, "--save", Path.Combine(root, name));

        CommandLine.AssertOneLineError(outcome, 2, $"is inside --checkpoint {root}, where the run writes {name.Split('/')[0]}");
        Assert.False(File.Exists(Path.Combine(root, "latest")));
    }

    [Fact]
    public void An_output_that_is_the_checkpoint_folder_itself_is_refused()
    {
        var root = folder.File("run");

        CommandLine.AssertOneLineError(Train("--checkpoint", root, "--metrics-out", root), 2, "name the same path");
    }

    [Fact]
    public void A_metrics_file_beside_the_checkpoints_is_free()
    {
        var root = Directory.CreateDirectory(folder.File("run")).FullName;

        var outcome = Train("--checkpoint", root, "--metrics-out", Path.Combine(root, "metrics.json"));

        Assert.True(outcome.ExitCode == 0, outcome.Error);
        Assert.True(File.Exists(Path.Combine(root, "metrics.json")));
        Assert.True(Directory.Exists(Path.Combine(root, "checkpoint-1")));
    }

    private CommandLine.Outcome Train(params string[] args) =>
        CommandLine.Run(["train", "--data-dir", folder.Path, "--layers", "784-8-10", "--epochs", "1", "--quiet", .. args]);
}
