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
            case "link-loop":
                Picture("a/x.png");
                Picture("b/x.png");
                Directory.CreateSymbolicLink(Path.Combine(root, "b", "up"), Path.Combine(root, "b"));
                break;
        }
    }
}
