using System.Text.Json;
using Descent.Tests.Data;
using SkiaSharp;
using Xunit;

namespace Descent.Tests.Host;

/// <summary>
/// `descent predict MODEL IMAGE... --index N`: a model trained through the command line recognises MNIST's
/// test digits drawn as pictures and read by index; the table and the JSON say the same; anything that is
/// not a picture, and every bad option, is one line and exit 2 before any data is read.
/// </summary>
public sealed class PredictCommandTests(PredictCommandTests.Models models) : IClassFixture<PredictCommandTests.Models>
{
    private const int Side = 28;
    private const int Digits = 20;

    /// <summary>
    /// Models trained once for the whole class: two on a hand-made folder (ten classes, and the 3-vs-7 linear
    /// model with its one output), and on first use a 784-128-10 model trained on real MNIST.
    /// </summary>
    public sealed class Models : IDisposable
    {
        private readonly Lazy<string> mnistModel;

        public Models()
        {
            DigitFolder.Write(Folder, train: 40, test: 10);
            Train(TenClasses, "--layers", "784-16-10", "--epochs", "2", "--batch-size", "8", "--data-dir", Folder.Path);
            Train(ThreesAndSevens, "--dataset", "mnist-3-7", "--arch", "linear", "--epochs", "2", "--data-dir", Folder.Path);
            mnistModel = new Lazy<string>(() =>
            {
                var path = Folder.File("mnist.safetensors");
                Train(path, "--backend", "cpu", "--epochs", "2");
                return path;
            });
        }

        public TemporaryFolder Folder { get; } = new();

        public string TenClasses => Folder.File("ten.safetensors");

        public string ThreesAndSevens => Folder.File("three-seven.safetensors");

        /// <summary>784-128-10 trained on MNIST for two epochs; call after <see cref="MnistFixture"/> has the data.</summary>
        public string Mnist => mnistModel.Value;

        public void Dispose() => Folder.Dispose();

        private static void Train(string path, params string[] args)
        {
            var outcome = CommandLine.Run(["train", "--save", path, .. args]);
            Assert.True(outcome.ExitCode == 0, outcome.Error);
        }
    }

    public static TheoryData<string> Renderings() => ["grey png", "jpeg", "dark blue on yellow", "wide canvas"];

    [SkippableTheory]
    [MemberData(nameof(Renderings))]
    public async Task Mnist_test_digits_drawn_as_pictures_are_mostly_recognised(string rendering)
    {
        var test = (await MnistFixture.DigitsAsync()).Valid;
        using var pictures = new TemporaryFolder();
        var files = Enumerable.Range(0, Digits).Select(index =>
        {
            var path = pictures.File($"test-{index}.{(rendering == "jpeg" ? "jpg" : "png")}");
            File.WriteAllBytes(path, Render(test.Pixels.AsSpan(index * test.Features, test.Features), rendering));
            return path;
        }).ToArray();

        var outcome = CommandLine.Run(["predict", models.Mnist, .. files, "--json", "--backend", "cpu"]);

        Assert.True(outcome.ExitCode == 0, outcome.Error);
        var predictions = Predictions(outcome.Output);
        Assert.Equal(files, predictions.Select(prediction => prediction.Input));
        var recognised = predictions.Where((prediction, index) => prediction.Top[0].Label == test.Labels[index]).Count();
        Assert.True(recognised >= 18, $"{recognised} of {Digits} test digits drawn as {rendering} recognised");
    }

    [SkippableFact]
    public async Task Test_images_by_index_show_their_true_label_and_mostly_agree_with_it()
    {
        var test = (await MnistFixture.DigitsAsync()).Valid;
        var indices = Enumerable.Range(0, Digits).Select(index => index * 37).ToArray();

        var outcome = CommandLine.Run(["predict", models.Mnist, .. indices.SelectMany(index => new[] { "--index", index.ToString() }),
            "--json", "--top", "10", "--backend", "cpu"]);

        Assert.True(outcome.ExitCode == 0, outcome.Error);
        var predictions = Predictions(outcome.Output);
        Assert.Equal(indices.Select(index => (int?)test.Labels[index]), predictions.Select(prediction => prediction.Label));
        Assert.Equal(indices.Select(index => test.Labels[index].ToString()), predictions.Select(prediction => prediction.LabelName));
        Assert.All(predictions, prediction =>
        {
            Assert.Equal(10, prediction.Top.Count);
            Assert.Equal(1.0, prediction.Top.Sum(ranked => ranked.Probability), 5);
            Assert.Equal(prediction.Top.OrderByDescending(ranked => ranked.Probability), prediction.Top);
        });
        var agreeing = predictions.Count(prediction => prediction.Top[0].Label == prediction.Label);
        Assert.True(agreeing >= 18, $"{agreeing} of {Digits} test images predicted as their label");
    }

    [Fact]
    public void The_table_shows_each_input_with_its_most_probable_classes()
    {
        var picture = models.Folder.File("rectangle.png");
        using (var bitmap = Pictures.Rectangle(60, 60, SKColors.White, SKColors.Black, SKRectI.Create(20, 10, 10, 40)))
        {
            File.WriteAllBytes(picture, Pictures.Encode(bitmap, SKEncodedImageFormat.Png));
        }

        var outcome = CommandLine.Run("predict", models.TenClasses, picture, "--index", "3", "--data-dir", models.Folder.Path, "--top", "4",
            "--backend", "cpu");

        Assert.Equal(0, outcome.ExitCode);
        var lines = outcome.Output.Split('\n');
        Assert.StartsWith($"{models.TenClasses}: model 784-16-10 trained on mnist, backend cpu", lines[0]);
        var rows = lines.Select(line => line.Split('│').Select(cell => cell.Trim()).Where(cell => cell != "").ToArray()).ToList();
        Assert.Contains(["input", "true", "#1", "#2", "#3", "#4"], rows);
        var pictureRow = Assert.Single(rows, row => row.FirstOrDefault() == picture);
        var indexRow = Assert.Single(rows, row => row.FirstOrDefault() == "mnist test #3");
        Assert.Equal("-", pictureRow[1]);
        Assert.Equal("3", indexRow[1]);
        Assert.All(pictureRow[2..].Concat(indexRow[2..]), cell => Assert.Matches(@"^\d \d\.\d{4}$", cell));
        Assert.Equal(6, pictureRow.Length);
    }

    [Theory]
    [InlineData("white")]
    [InlineData("grey")]
    [InlineData("faint")]
    public void A_picture_with_no_ink_is_said_to_hold_nothing_instead_of_a_ranking(string kind)
    {
        var blank = models.Folder.File($"blank-{kind}.png");
        var paper = kind == "grey" ? new SKColor(128, 128, 128) : SKColors.White;
        // Ink this faint is below what PictureInput counts as a stroke: paper grain, not a digit.
        var ink = kind == "faint" ? new SKColor(240, 240, 240) : paper;
        using (var bitmap = Pictures.Rectangle(40, 40, paper, ink, SKRectI.Create(15, 5, 10, 30)))
        {
            File.WriteAllBytes(blank, Pictures.Encode(bitmap, SKEncodedImageFormat.Png));
        }
        var drawn = DrawnPicture(models.Folder);

        var table = CommandLine.Run("predict", models.TenClasses, blank, drawn, "--backend", "cpu");
        var json = CommandLine.Run("predict", models.TenClasses, blank, drawn, "--backend", "cpu", "--json");

        Assert.Equal(0, table.ExitCode);
        Assert.Equal(0, json.ExitCode);
        foreach (var outcome in new[] { table, json })
        {
            Assert.Equal($"descent: {blank}: no ink found (a blank or uniform picture): nothing to classify", Assert.Single(outcome.ErrorLines));
        }
        var rows = table.Output.Split('\n').Select(line => line.Split('│').Select(cell => cell.Trim()).Where(cell => cell != "").ToArray()).ToList();
        Assert.Equal([blank, "no ink found"], Assert.Single(rows, row => row.FirstOrDefault() == blank));
        Assert.Equal(4, Assert.Single(rows, row => row.FirstOrDefault() == drawn).Length);
        using var document = JsonDocument.Parse(json.Output);
        var entries = document.RootElement.GetProperty("predictions").EnumerateArray().ToList();
        Assert.True(entries[0].GetProperty("blank").GetBoolean());
        Assert.Equal(0, entries[0].GetProperty("top").GetArrayLength());
        Assert.False(entries[1].GetProperty("blank").GetBoolean());
        Assert.Equal(3, entries[1].GetProperty("top").GetArrayLength());
    }

    [Fact]
    public void A_one_output_model_ranks_both_of_its_classes_by_name()
    {
        var outcome = CommandLine.Run("predict", models.ThreesAndSevens, "--index", "0", "--index", "1", "--data-dir", models.Folder.Path,
            "--top", "5", "--json");

        Assert.Equal(0, outcome.ExitCode);
        Assert.All(Predictions(outcome.Output), prediction =>
        {
            Assert.Equal(2, prediction.Top.Count);
            Assert.Equal(["3", "7"], prediction.Top.Select(ranked => ranked.Name).Order());
            Assert.All(prediction.Top, ranked => Assert.Equal(ranked.Label == 1 ? "3" : "7", ranked.Name));
            Assert.Equal(1.0, prediction.Top.Sum(ranked => ranked.Probability), 6);
        });
        // DigitFolder's test images are labelled i % 10: the set's first 3 (label 1) and first 7 (label 0).
        Assert.Equal([1, 0], Predictions(outcome.Output).Select(prediction => prediction.Label));
    }

    public static TheoryData<string, string> BadInputs() => new()
    {
        { "text named .png", "is not an image SkiaSharp can decode" },
        { "empty file", "is empty, not an image" },
        { "missing file", "cannot read" },
        { "folder", "is a folder, not an image" },
        { "truncated png", "is a PNG image that is truncated or corrupt" },
        { "nothing to predict", "predict needs an IMAGE or --index N" },
        { "top 0", "--top must be 1 or more, got 0" },
        { "negative index", "--index -1 is not a position" },
        { "index past the end", "--index 10 is past the mnist test set's 10 images" },
        { "a picture as the model", "is not a valid safetensors file" },
    };

    [Theory]
    [MemberData(nameof(BadInputs))]
    public void Bad_input_is_one_line_and_exit_2(string kind, string message)
    {
        using var scratch = new TemporaryFolder();
        string[] args = kind switch
        {
            "nothing to predict" => [models.TenClasses],
            "top 0" => [models.TenClasses, "--index", "0", "--top", "0"],
            "negative index" => [models.TenClasses, "--index", "-1"],
            "index past the end" => [models.TenClasses, "--index", "10"],
            "a picture as the model" => [DrawnPicture(scratch), DrawnPicture(scratch)],
            "missing file" => [models.TenClasses, scratch.File("missing.png")],
            _ => [models.TenClasses, PictureInputTests.UnreadableFile(scratch, kind)],
        };

        var outcome = CommandLine.Run(["predict", .. args, "--data-dir", models.Folder.Path]);

        Assert.Equal(2, outcome.ExitCode);
        Assert.Contains(message, Assert.Single(outcome.ErrorLines));
        Assert.Equal("", outcome.Output);
    }

    [Fact]
    public void A_bad_picture_is_refused_before_the_test_set_is_read()
    {
        using var scratch = new TemporaryFolder();
        var empty = PictureInputTests.UnreadableFile(scratch, "empty file");

        // The data folder holds no IDX files: had it been read first, the error would be about it.
        var outcome = CommandLine.Run("predict", models.TenClasses, empty, "--index", "0", "--data-dir", scratch.Path);

        Assert.Equal(2, outcome.ExitCode);
        Assert.Contains("is empty, not an image", Assert.Single(outcome.ErrorLines));
    }

    private static string DrawnPicture(TemporaryFolder folder)
    {
        var path = folder.File("drawn.png");
        using var bitmap = Pictures.Rectangle(30, 30, SKColors.White, SKColors.Black, SKRectI.Create(10, 5, 10, 20));
        File.WriteAllBytes(path, Pictures.Encode(bitmap, SKEncodedImageFormat.Png));
        return path;
    }

    /// <summary>An MNIST image drawn 4x as ink on paper, as <paramref name="rendering"/> says, encoded as a file.</summary>
    private static byte[] Render(ReadOnlySpan<byte> image, string rendering)
    {
        using var picture = rendering switch
        {
            "dark blue on yellow" => Pictures.Draw(image, Side, 4, new SKColor(255, 230, 0), new SKColor(0, 0, 128), 112, 112, 0, 0),
            "wide canvas" => Pictures.Draw(image, Side, 4, SKColors.White, SKColors.Black, 300, 130, 150, 10),
            _ => Pictures.Draw(image, Side, 4, SKColors.White, SKColors.Black, 112, 112, 0, 0),
        };
        return Pictures.Encode(picture, rendering == "jpeg" ? SKEncodedImageFormat.Jpeg : SKEncodedImageFormat.Png);
    }

    private sealed record Ranked(int Label, string Name, double Probability);

    private sealed record Prediction(string Input, int? Label, string? LabelName, List<Ranked> Top);

    /// <summary>The predictions of `descent predict --json`, in input order.</summary>
    private static List<Prediction> Predictions(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.GetProperty("predictions").EnumerateArray().Select(entry => new Prediction(
            entry.GetProperty("input").GetString()!,
            entry.TryGetProperty("label", out var label) ? label.GetInt32() : null,
            entry.TryGetProperty("label_name", out var name) ? name.GetString() : null,
            entry.GetProperty("top").EnumerateArray()
                .Select(ranked => new Ranked(ranked.GetProperty("label").GetInt32(), ranked.GetProperty("name").GetString()!,
                    ranked.GetProperty("probability").GetDouble()))
                .ToList())).ToList();
    }
}
