using System.Text.Json.Nodes;
using Descent.Engine.Data;
using Descent.Engine.Files;
using Descent.Tests.Data;
using Xunit;

namespace Descent.Tests.Host;

/// <summary>`descent train --data-dir` on trees of class folders of pictures: bad trees refused before anything is written, and a tree trains as its IDX files do.</summary>
public sealed class PictureTreeCommandTests
{
    public static TheoryData<string, string> BadTrees => new()
    {
        { "empty", "is empty" },
        { "one-class", "one class folder only" },
        { "unknown-valid-class", "which the training folder lacks" },
        { "undecodable", "1 of 3 pictures" },
        { "mixed-sizes", "differ in size" },
        { "link-loop", "a loop" },
        { "no-train-folder", "has valid/ and test/ but no train/ (or training/) folder to train on" },
    };

    [Theory]
    [MemberData(nameof(BadTrees))]
    public void A_bad_tree_is_one_line_exit_2_and_nothing_is_written(string kind, string expected)
    {
        using var tree = new TemporaryFolder();
        using var output = new TemporaryFolder();
        Make(tree.Path, kind);
        var model = output.File("model.safetensors");

        var outcome = CommandLine.Run("train", "--data-dir", tree.Path, "--backend", "reference", "--arch", "linear", "--epochs", "1",
            "--quiet", "--save", model, "--metrics-out", output.File("metrics.json"));

        CommandLine.AssertOneLineError(outcome, 2, expected);
        Assert.Empty(Directory.EnumerateFileSystemEntries(output.Path));
    }

    [SkippableFact]
    public async Task A_tree_and_the_IDX_files_written_in_its_item_order_train_to_identical_weights()
    {
        var mnist = await MnistFixture.DigitsAsync();
        using var tree = new TemporaryFolder();
        using var idx = new TemporaryFolder();
        using var dataRoot = new TemporaryFolder();
        using var output = new TemporaryFolder();
        PictureTreeWriter.WriteTorchvisionLayout(tree.Path, mnist, perClass: 12);
        var pictures = PictureFolderLoader.Load(PictureTree.Scan(tree.Path), new PictureFolderOptions(), dataRoot.Path);
        WriteIdx(idx.Path, "train", pictures.Train);
        WriteIdx(idx.Path, "t10k", pictures.Test!);
        var environment = new Dictionary<string, string> { [DataLocation.DataRootVariable] = dataRoot.Path };

        string[] Train(string dataDir, string model) =>
            ["train", "--data-dir", dataDir, "--backend", "reference", "--arch", "linear", "--epochs", "2", "--batch-size", "16", "--seed", "5", "--save", model];
        var fromTree = DescentProcess.Run(environment, Train(tree.Path, output.File("tree.safetensors")));
        var fromIdx = DescentProcess.Run(environment, Train(idx.Path, output.File("idx.safetensors")));

        Assert.True(fromTree.ExitCode == 0, fromTree.Error);
        Assert.True(fromIdx.ExitCode == 0, fromIdx.Error);
        Assert.Contains("read 240 decoded pictures from the cache", fromTree.Error);
        var treeTensors = SafeTensors.Read(output.File("tree.safetensors")).Tensors;
        var idxTensors = SafeTensors.Read(output.File("idx.safetensors")).Tensors;
        Assert.Equal(idxTensors.Select(t => t.Name), treeTensors.Select(t => t.Name));
        foreach (var (a, b) in idxTensors.Zip(treeTensors))
        {
            Assert.Equal(a.Shape, b.Shape);
            Assert.Equal(a.Values, b.Values);
        }
        Assert.Contains("\"class_names\"", SafeTensors.Read(output.File("tree.safetensors")).Metadata.Values.First(v => v.Contains("class_names", StringComparison.Ordinal)));

        var evaluated = DescentProcess.Run(environment, "eval", output.File("tree.safetensors"), "--data-dir", tree.Path, "--backend", "reference", "--json");
        Assert.True(evaluated.ExitCode == 0, evaluated.Error);
        Assert.Contains("\"9\"", evaluated.Output);
    }

    [Fact]
    public void A_tree_with_valid_and_test_folders_chooses_on_valid_and_reports_test_beside_it()
    {
        using var tree = new TemporaryFolder();
        using var dataRoot = new TemporaryFolder();
        using var output = new TemporaryFolder();
        WriteTwoShades(tree.Path, "train", "valid", "test");
        var metrics = output.File("metrics.json");

        var outcome = DescentProcess.Run(Environment(dataRoot), "train", "--data-dir", tree.Path, "--backend", "reference", "--arch", "linear",
            "--epochs", "2", "--batch-size", "4", "--metrics-out", metrics, "--checkpoint", output.File("run"));

        Assert.True(outcome.ExitCode == 0, outcome.Error);
        Assert.Contains("16 training, 6 validation images, 4 test images (reported, never chosen on)", outcome.Output);
        Assert.Contains("epoch  train_loss  valid_loss  accuracy  seconds   test_loss  test_acc", outcome.Output);
        var epochs = JsonNode.Parse(File.ReadAllText(metrics))!["epochs"]!.AsArray();
        Assert.Equal(2, epochs.Count);
        Assert.All(epochs, epoch =>
        {
            Assert.NotNull(epoch!["valid_loss"]);
            Assert.InRange(epoch["test_loss"]!.GetValue<double>(), 0, 100);
            Assert.InRange(epoch["test_accuracy"]!.GetValue<double>(), 0, 1);
        });
        // The validation set chooses: best/ follows it, so the run's checkpoints exist with a best.
        Assert.True(Directory.Exists(Path.Combine(output.File("run"), "best")));
    }

    [Fact]
    public void A_tree_with_a_test_folder_only_measures_on_it_with_no_second_report()
    {
        using var tree = new TemporaryFolder();
        using var dataRoot = new TemporaryFolder();
        using var output = new TemporaryFolder();
        WriteTwoShades(tree.Path, "train", "test");
        var metrics = output.File("metrics.json");

        var outcome = DescentProcess.Run(Environment(dataRoot), "train", "--data-dir", tree.Path, "--backend", "reference", "--arch", "linear",
            "--epochs", "1", "--batch-size", "4", "--metrics-out", metrics);

        Assert.True(outcome.ExitCode == 0, outcome.Error);
        Assert.Contains("epoch  train_loss   test_loss  accuracy  seconds", outcome.Output);
        Assert.DoesNotContain("test_acc", outcome.Output);
        var epoch = JsonNode.Parse(File.ReadAllText(metrics))!["epochs"]![0]!.AsObject();
        Assert.Equal(["epoch", "train_loss", "test_loss", "accuracy", "seconds"], epoch.Select(pair => pair.Key));
    }

    [Fact]
    public void Lr_find_and_bench_take_a_tree_as_train_does()
    {
        using var tree = new TemporaryFolder();
        using var dataRoot = new TemporaryFolder();
        WriteTwoShades(tree.Path, "train", "valid");

        var swept = DescentProcess.Run(Environment(dataRoot), "lr-find", "--data-dir", tree.Path, "--backend", "reference", "--arch", "linear",
            "--batch-size", "2");
        var timed = DescentProcess.Run(Environment(dataRoot), "bench", "--data-dir", tree.Path, "--backend", "reference", "--layers", "16-8-2",
            "--epochs", "1", "--batch-size", "4");

        Assert.True(swept.ExitCode == 0, swept.Error);
        Assert.Contains("16 training images", swept.Output);
        Assert.Contains("swept ", swept.Output);
        Assert.True(timed.ExitCode == 0, timed.Error);
        Assert.Contains("16 images, 1 warm-up epoch then 1 timed", timed.Output);
    }

    [Fact]
    public void Baseline_refuses_a_tree_in_one_line()
    {
        using var tree = new TemporaryFolder();
        WriteTwoShades(tree.Path, "train", "valid");

        var outcome = CommandLine.Run("baseline", "--data-dir", tree.Path);

        CommandLine.AssertOneLineError(outcome, 2, "is a tree of class folders of pictures: the baseline compares ideal 3s and 7s of mnist-3-7's IDX files only");
    }

    [Fact]
    public void An_unwritable_cache_root_is_exit_3_in_one_line_and_nothing_is_written()
    {
        using var tree = new TemporaryFolder();
        using var dataRoot = new TemporaryFolder();
        using var output = new TemporaryFolder();
        WriteTwoShades(tree.Path, "train", "valid");
        File.WriteAllText(dataRoot.File("file"), "not a folder");
        var environment = new Dictionary<string, string> { [DataLocation.DataRootVariable] = Path.Combine(dataRoot.Path, "file", "below") };

        var outcome = DescentProcess.Run(environment, "train", "--data-dir", tree.Path, "--backend", "reference", "--arch", "linear",
            "--epochs", "1", "--quiet", "--save", output.File("model.safetensors"));

        var line = CommandLine.AssertOneLineError(outcome, 3, "cannot write the picture cache ");
        Assert.Contains("set $DESCENT_DATA to a writable folder", line);
        Assert.Empty(Directory.EnumerateFileSystemEntries(output.Path));
    }

    private static Dictionary<string, string> Environment(TemporaryFolder dataRoot) => new() { [DataLocation.DataRootVariable] = dataRoot.Path };

    /// <summary>
    /// Two classes of 4x4 grey pictures, dark a/ and light b/, with a little seeded texture: 8 of each in the first split,
    /// then 3, then 2 of each in the next splits.
    /// </summary>
    private static void WriteTwoShades(string root, params string[] splits)
    {
        var random = new Random(7);
        int[] perClass = [8, 3, 2];
        for (var s = 0; s < splits.Length; s++)
        {
            foreach (var (name, shade) in new[] { ("a", 40), ("b", 200) })
            {
                for (var i = 0; i < perClass[s]; i++)
                {
                    var pixels = Enumerable.Range(0, 16).Select(_ => (byte)(shade + random.Next(-30, 30))).ToArray();
                    PictureTreeWriter.WriteGreyPng(Path.Combine(root, splits[s], name, $"{i:D2}.png"), pixels, 4, 4);
                }
            }
        }
    }

    private static void WriteIdx(string folder, string prefix, ImageDataset images)
    {
        File.WriteAllBytes(Path.Combine(folder, $"{prefix}-images-idx3-ubyte"), IdxBytes.Images(images.Count, images.ImageRows, images.ImageCols, images.Pixels));
        File.WriteAllBytes(Path.Combine(folder, $"{prefix}-labels-idx1-ubyte"), IdxBytes.Labels(images.Labels.Select(label => (byte)label).ToArray()));
    }

    private static void Make(string root, string kind)
    {
        void Picture(string relative, int width = 2, int height = 2) =>
            PictureTreeWriter.WriteGreyPng(Path.Combine(root, relative), new byte[width * height], width, height);
        switch (kind)
        {
            case "empty":
                break;
            case "one-class":
                Picture("train/a/x.png");
                break;
            case "unknown-valid-class":
                Picture("train/a/x.png");
                Picture("train/b/x.png");
                Picture("valid/c/x.png");
                break;
            case "undecodable":
                Picture("a/x.png");
                Picture("b/x.png");
                File.WriteAllText(Path.Combine(root, "b", "y.webp"), "not a picture");
                break;
            case "mixed-sizes":
                Picture("a/x.png");
                Picture("b/x.png", 3, 2);
                break;
            case "no-train-folder":
                Picture("valid/a/x.png");
                Picture("valid/b/x.png");
                Picture("test/a/x.png");
                Picture("test/b/x.png");
                break;
            case "link-loop":
                Picture("a/x.png");
                Picture("b/x.png");
                Directory.CreateSymbolicLink(Path.Combine(root, "b", "up"), Path.Combine(root, "b"));
                break;
        }
    }
}
