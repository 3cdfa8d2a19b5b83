using Descent.Engine.Data;
using Descent.Tests.Data;
using Xunit;

namespace Descent.Tests.Host;

/// <summary>`descent lesson --data-dir` on MNIST_SAMPLE's folders, as the book downloads them: steps 1 to 6 from its PNG digits.</summary>
public sealed class LessonSampleTests : IDisposable
{
    private const int PerClass = 150;

    private readonly TemporaryFolder folder = new();

    public void Dispose() => folder.Dispose();

    [SkippableFact]
    public async Task Mnist_samples_folders_read_as_the_lessons_threes_and_sevens_with_label_1_for_a_3()
    {
        var mnist = await MnistFixture.DigitsAsync();
        var tree = folder.File("mnist_sample");
        PictureTreeWriter.WriteMnistSample(tree, mnist, PerClass);

        var splits = MnistSample.Load(PictureTree.Scan(tree), folder.File("data-root"));

        Assert.Equal(2 * PerClass, splits.Train.Count);
        Assert.Equal(2 * PerClass, splits.Valid.Count);
        Assert.Equal((1, 28, 28), (splits.Train.Channels, splits.Train.ImageRows, splits.Train.ImageCols));
        // train/3 comes first in the tree, its pictures MNIST's first 3s, pixel for pixel.
        Assert.All(splits.Train.Labels.Take(PerClass), label => Assert.Equal(1, label));
        Assert.All(splits.Train.Labels.Skip(PerClass), label => Assert.Equal(0, label));
        var firstThree = PictureTreeWriter.FirstOf(mnist.Train, 3, 1)[0];
        Assert.Equal(mnist.Train.Pixels.AsSpan(firstThree * 784, 784).ToArray(), splits.Train.Pixels.AsSpan(0, 784).ToArray());
    }

    [SkippableFact]
    public async Task The_lesson_runs_steps_one_to_six_from_mnist_samples_folders_and_leaves_out_the_full_mnist_step()
    {
        var mnist = await MnistFixture.DigitsAsync();
        var tree = folder.File("mnist_sample");
        PictureTreeWriter.WriteMnistSample(tree, mnist, PerClass);
        var environment = new Dictionary<string, string> { [DataLocation.DataRootVariable] = Directory.CreateDirectory(folder.File("data-root")).FullName };
        var pictures = folder.File("pictures");

        var outcome = DescentProcess.Run(environment, TimeSpan.FromMinutes(5),
            "lesson", "--data-dir", tree, "--backend", "cpu", "--out-dir", pictures, "--size", "320x240");

        Assert.True(outcome.ExitCode == 0, outcome.Error);
        Assert.Contains($"{2 * PerClass} training (train/) and {2 * PerClass} valid (valid/) 3s and 7s", outcome.Output);
        for (var step = 1; step <= 6; step++)
        {
            Assert.Contains($"Step {step} of 7.", outcome.Output);
        }
        Assert.DoesNotContain("Step 7 of 7.", outcome.Output);
        Assert.Contains("full-mnist (MNIST's ten digits) left out", outcome.Error);
        Assert.Contains($"measured on valid/'s {2 * PerClass} 3s and 7s", outcome.Output);
        Assert.Matches(@"L1: mean accuracy\s+0\.9\d{3}\s+book 0\.9511", outcome.Output);
        Assert.Matches(@"batch_accuracy after 40 epochs\s+0\.9\d{3}", outcome.Output);
    }

    [Fact]
    public void A_tree_that_is_not_mnist_samples_layout_is_one_line_exit_2_and_nothing_is_written()
    {
        var tree = folder.File("three-eight");
        PictureTreeWriter.WriteGreyPng(Path.Combine(tree, "train", "3", "0.png"), new byte[4], 2, 2);
        PictureTreeWriter.WriteGreyPng(Path.Combine(tree, "train", "8", "0.png"), new byte[4], 2, 2);
        PictureTreeWriter.WriteGreyPng(Path.Combine(tree, "valid", "3", "0.png"), new byte[4], 2, 2);
        var pictures = folder.File("pictures");

        var outcome = CommandLine.Run("lesson", "--step", "1", "--data-dir", tree, "--out-dir", pictures);

        CommandLine.AssertOneLineError(outcome, 2, "is not MNIST_SAMPLE's layout (train/3, train/7, valid/3 and valid/7 of PNG digits): its classes are 3, 8");
        Assert.False(Directory.Exists(pictures));
    }

    [Fact]
    public void The_full_mnist_step_on_mnist_samples_folders_is_one_line_exit_2()
    {
        var tree = folder.File("mnist_sample");
        foreach (var path in new[] { "train/3/0.png", "train/7/0.png", "valid/3/0.png", "valid/7/0.png" })
        {
            PictureTreeWriter.WriteGreyPng(Path.Combine(tree, path), new byte[4], 2, 2);
        }

        var outcome = CommandLine.Run("lesson", "--step", "7", "--data-dir", tree, "--out-dir", folder.File("pictures"));

        CommandLine.AssertOneLineError(outcome, 2, "full-mnist trains on MNIST's ten digits");
    }
}
