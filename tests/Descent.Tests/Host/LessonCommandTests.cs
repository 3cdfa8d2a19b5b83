using Descent.Engine.Data;
using Descent.Engine.Lesson;
using Descent.Tests.Data;
using Xunit;

namespace Descent.Tests.Host;

/// <summary>`descent lesson` end to end, in process: its steps on real MNIST (a seeded subset) and its refusals.</summary>
public sealed class LessonCommandTests : IDisposable
{
    private readonly TemporaryFolder folder = new();

    public void Dispose() => folder.Dispose();

    /// <summary>
    /// Steps 1, 2 and 3 on a seeded subset of real MNIST written as a --data-dir folder: each runs, prints
    /// the book's figures beside its own, says the subset is not the book's data, and writes every picture
    /// as a readable PNG of the requested size.
    /// </summary>
    [SkippableFact]
    public async Task Steps_one_to_three_on_a_seeded_subset_print_the_books_figures_and_draw_readable_pictures()
    {
        var digits = await MnistFixture.DigitsAsync();
        var data = Directory.CreateDirectory(folder.File("data")).FullName;
        IdxBytes.WriteSubset(digits.Train, 3000, Path.Combine(data, "train"), seed: 1);
        IdxBytes.WriteSubset(digits.Valid, 1000, Path.Combine(data, "t10k"), seed: 2);
        var pictures = folder.File("pictures");

        var outcomes = new[] { "1", "2", "3" }.Select(step => CommandLine.Run("lesson", "--step", step, "--backend", "cpu", "--data-dir", data,
            "--out-dir", pictures, "--size", "320x240")).ToList();

        Assert.All(outcomes, outcome => Assert.Equal(0, outcome.ExitCode));
        var (first, second, third) = (outcomes[0].Output, outcomes[1].Output, outcomes[2].Output);
        Assert.Contains("Step 1 of 7. Pixel similarity", first);
        Assert.Matches(@"L1: mean accuracy\s+0\.9\d{3}\s+book 0\.9511\s+[+-]0\.\d{4}\s+not the book's data", first);
        Assert.Contains("Step 2 of 7. The seven SGD steps", second);
        Assert.Contains("run in the engine on the host", second);
        Assert.Equal(10, second.Split('\n').Count(line => System.Text.RegularExpressions.Regex.IsMatch(line, @"^\s+\d+\s+-?\d+\.\d{2}\s+-?\d+\.\d{2}\s")));
        Assert.Contains("Step 3 of 7. A linear model from scratch", third);
        Assert.Contains("measured on the test set's", third);
        Assert.Matches(@"batch_accuracy at initialisation\s+0\.\d{4}\s+book 0\.4912\s+[+-]0\.\d{4}\s+depends on the random start", third);
        Assert.Matches(@"batch_accuracy after 20 more\s+0\.(8|9)\d{3}\s+book 0\.9696", third);
        var drawn = Directory.GetFiles(pictures, "*.png").Select(path => Path.GetFileName(path)).Order().ToArray();
        Assert.Equal(["1-ideal-digits.png", "2-seven-steps.png", "3-pixel-weights.png"], drawn);
        Assert.All(drawn, name => PngFile.AssertReadable(Path.Combine(pictures, name), 320, 240));
        Assert.Empty(Directory.GetFiles(pictures, "*.tmp", SearchOption.AllDirectories));
    }

    [Fact]
    public void A_step_out_of_range_is_bad_usage_listing_the_steps()
    {
        var outcome = CommandLine.Run("lesson", "--step", "8", "--out-dir", folder.File("pictures"));

        Assert.Equal(2, outcome.ExitCode);
        Assert.Equal($"descent: error: --step takes 1 to 7 ({LessonPlan.StepList}), got 8", Assert.Single(outcome.ErrorLines));
    }

    [Fact]
    public void A_size_that_is_not_w_x_h_is_bad_usage_before_anything_runs()
    {
        var outcome = CommandLine.Run("lesson", "--step", "1", "--size", "800by600", "--out-dir", folder.File("pictures"));

        Assert.Equal(2, outcome.ExitCode);
        Assert.Equal("descent: error: --size takes the width and height in pixels as WxH, like 800x600; got '800by600'", Assert.Single(outcome.ErrorLines));
        Assert.False(Directory.Exists(folder.File("pictures")));
    }

    [Theory]
    [InlineData("/dev/null", "--out-dir /dev/null is a device, not a folder")]
    [InlineData("/dev/zero", "--out-dir /dev/zero is a device, not a folder")]
    [InlineData("/dev/tty", "--out-dir /dev/tty is a device, not a folder")]
    public void An_out_dir_that_is_a_device_is_bad_usage_in_descents_words(string device, string message)
    {
        var outcome = CommandLine.Run("lesson", "--step", "1", "--out-dir", device);

        Assert.Equal($"descent: error: {message}", CommandLine.AssertOneLineError(outcome, 2, message));
    }

    [Theory]
    [InlineData("a file", "is a file, not a folder")]
    [InlineData("a link to a file", "is a file (a symbolic link to ")]
    [InlineData("a link to nothing", "which does not exist")]
    [InlineData("a path under a file", "a part of the path before its last name is not a folder")]
    public void An_out_dir_that_is_not_a_folder_is_bad_usage_and_the_file_is_left_as_it_was(string kind, string message)
    {
        var file = folder.File("notes.txt");
        File.WriteAllText(file, "mine");
        var path = kind switch
        {
            "a file" => file,
            "a link to a file" => folder.File("link"),
            "a link to nothing" => folder.File("dangling"),
            _ => Path.Combine(file, "pictures"),
        };
        if (kind == "a link to a file")
        {
            File.CreateSymbolicLink(path, file);
        }
        if (kind == "a link to nothing")
        {
            File.CreateSymbolicLink(path, folder.File("gone"));
        }

        var outcome = CommandLine.Run("lesson", "--step", "1", "--out-dir", path);

        CommandLine.AssertOneLineError(outcome, 2, message);
        Assert.Equal("mine", File.ReadAllText(file));
        Assert.False(Directory.Exists(folder.File("gone")));
    }

    [Fact]
    public void The_help_lists_every_step_and_every_experiment_from_the_engines_lists()
    {
        var outcome = CommandLine.Run("lesson", "--help");

        Assert.Equal(0, outcome.ExitCode);
        Assert.All(LessonPlan.Steps, step => Assert.Contains(step.Name, outcome.Output));
        Assert.All(LessonPlan.Experiments, experiment => Assert.Contains(experiment.Name, outcome.Output));
    }
}
