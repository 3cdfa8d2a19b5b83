using Descent.Engine.Data;
using Descent.Kernels;
using SkiaSharp;
using Xunit;

namespace Descent.Tests.Data;

/// <summary>Trees of class folders of pictures: structure, class order, splits, skipped and undecodable files, colour, sizes and the cache.</summary>
public sealed class PictureTreeTests
{
    [SkippableFact]
    public async Task MNIST_SAMPLEs_layout_loads_its_digits_byte_for_byte_in_class_then_name_order()
    {
        var mnist = await MnistFixture.DigitsAsync();
        using var tree = new TemporaryFolder();
        using var cache = new TemporaryFolder();
        PictureTreeWriter.WriteMnistSample(tree.Path, mnist, perClass: 20);

        var data = PictureFolderLoader.Load(PictureTree.Scan(tree.Path), new PictureFolderOptions(), cache.Path);

        Assert.Equal(["3", "7"], data.Tree.ClassNames);
        Assert.Equal((40, 40), (data.Train.Count, data.Valid!.Count));
        Assert.Null(data.Test);
        Assert.Equal((1, 28, 28), (data.Train.Channels, data.Train.ImageRows, data.Train.ImageCols));
        var expected = new[] { 3, 7 }.SelectMany(digit => PictureTreeWriter.FirstOf(mnist.Train, digit, 20)).ToArray();
        Assert.Equal(mnist.Train.Subset(expected).Pixels, data.Train.Pixels);
        Assert.Equal(Enumerable.Repeat(0, 20).Concat(Enumerable.Repeat(1, 20)), data.Train.Labels);
        Assert.True(data.ForTraining(validSplit: null, seed: 1) is { } splits && splits.Valid == data.Valid);
    }

    [SkippableFact]
    public async Task Torchvisions_layout_trains_on_training_and_reports_on_testing()
    {
        var mnist = await MnistFixture.DigitsAsync();
        using var tree = new TemporaryFolder();
        using var cache = new TemporaryFolder();
        PictureTreeWriter.WriteTorchvisionLayout(tree.Path, mnist, perClass: 3);

        var data = PictureFolderLoader.Load(PictureTree.Scan(tree.Path), new PictureFolderOptions(), cache.Path);

        Assert.Equal(Enumerable.Range(0, 10).Select(d => d.ToString(System.Globalization.CultureInfo.InvariantCulture)), data.Tree.ClassNames);
        Assert.Null(data.Valid);
        Assert.Equal((30, 30), (data.Train.Count, data.Test!.Count));
        Assert.Same(data.Test, data.ForTraining(validSplit: null, seed: 1).Valid);
        Assert.Equal(27, data.ForTraining(validSplit: 0.1, seed: 1).Train.Count);
    }

    [Fact]
    public void Classes_are_in_ordinal_order_and_a_tree_without_splits_is_all_training()
    {
        using var tree = new TemporaryFolder();
        foreach (var name in new[] { "a", "B", "2", "10" })
        {
            PictureTreeWriter.WriteGreyPng(Path.Combine(tree.Path, name, "x.png"), new byte[4], 2, 2);
        }

        var scanned = PictureTree.Scan(tree.Path);

        Assert.Equal(["10", "2", "B", "a"], scanned.ClassNames);
        Assert.False(scanned.HasSplitFolders);
        Assert.All(scanned.Files, file => Assert.Equal(PictureSplit.Train, file.Split));
    }

    [Fact]
    public void Files_without_a_picture_extension_are_skipped_and_counted_and_extensions_match_in_any_case()
    {
        using var tree = new TemporaryFolder();
        PictureTreeWriter.WriteGreyPng(Path.Combine(tree.Path, "train", "a", "x.PNG"), new byte[4], 2, 2);
        PictureTreeWriter.WriteGreyPng(Path.Combine(tree.Path, "train", "b", "y.png"), new byte[4], 2, 2);
        File.WriteAllText(Path.Combine(tree.Path, "train", "a", "notes.txt"), "not a picture");
        File.WriteAllText(Path.Combine(tree.Path, "labels.csv"), "name,label");

        var scanned = PictureTree.Scan(tree.Path);

        Assert.Equal(2, scanned.Files.Count);
        Assert.Equal(["labels.csv", "train/a/notes.txt"], scanned.Skipped);
    }

    [Fact]
    public void A_picture_that_does_not_decode_is_bad_input_naming_how_many_and_the_first()
    {
        using var tree = new TemporaryFolder();
        using var cache = new TemporaryFolder();
        PictureTreeWriter.WriteGreyPng(Path.Combine(tree.Path, "a", "x.png"), new byte[4], 2, 2);
        PictureTreeWriter.WriteGreyPng(Path.Combine(tree.Path, "b", "y.png"), new byte[4], 2, 2);
        File.WriteAllText(Path.Combine(tree.Path, "b", "broken.jpg"), "not really a JPEG");

        var error = Assert.Throws<InvalidInputException>(() => PictureFolderLoader.Load(PictureTree.Scan(tree.Path), new PictureFolderOptions(), cache.Path));

        Assert.Contains("1 of 3 pictures", error.Message);
        Assert.Contains("b/broken.jpg", error.Message);
        Assert.Empty(Directory.EnumerateFileSystemEntries(cache.Path));
    }

    [Fact]
    public void A_colour_picture_makes_three_channels_and_channels_1_makes_grey_by_601_weights()
    {
        using var tree = new TemporaryFolder();
        using var cache = new TemporaryFolder();
        PictureTreeWriter.WriteGreyPng(Path.Combine(tree.Path, "a", "x.png"), [10, 20, 30, 40], 2, 2);
        using var red = Pictures.Rectangle(2, 2, new SKColor(200, 100, 50), new SKColor(200, 100, 50), new SKRectI(0, 0, 0, 0));
        PictureTreeWriter.Write(Path.Combine(tree.Path, "b", "y.png"), red);
        var scanned = PictureTree.Scan(tree.Path);

        var colour = PictureFolderLoader.Load(scanned, new PictureFolderOptions(), cache.Path).All;
        var grey = PictureFolderLoader.Load(scanned, new PictureFolderOptions(Channels: 1), cache.Path).All;

        Assert.Equal(3, colour.Channels);
        Assert.Equal(new byte[] { 10, 20, 30, 40, 10, 20, 30, 40, 10, 20, 30, 40 }, colour.Pixels[..12]);
        Assert.Equal(new byte[] { 200, 200, 200, 200, 100, 100, 100, 100, 50, 50, 50, 50 }, colour.Pixels[12..]);
        Assert.Equal(1, grey.Channels);
        // (299 x 200 + 587 x 100 + 114 x 50 + 500) / 1000 = 124
        Assert.Equal(new byte[] { 10, 20, 30, 40, 124, 124, 124, 124 }, grey.Pixels);
    }

    [Fact]
    public void Mixed_sizes_are_bad_input_naming_two_and_image_size_resizes_them_all()
    {
        using var tree = new TemporaryFolder();
        using var cache = new TemporaryFolder();
        PictureTreeWriter.WriteGreyPng(Path.Combine(tree.Path, "a", "x.png"), new byte[4], 2, 2);
        PictureTreeWriter.WriteGreyPng(Path.Combine(tree.Path, "b", "y.png"), new byte[12], 4, 3);
        var scanned = PictureTree.Scan(tree.Path);

        var error = Assert.Throws<InvalidInputException>(() => PictureFolderLoader.Load(scanned, new PictureFolderOptions(), cache.Path));
        var resized = PictureFolderLoader.Load(scanned, new PictureFolderOptions(Size: (5, 6)), cache.Path).All;

        Assert.Contains("a/x.png is 2x2, b/y.png is 4x3", error.Message);
        Assert.Equal((6, 5), (resized.ImageRows, resized.ImageCols));
    }

    [Fact]
    public void A_second_load_reads_the_cache_and_a_touched_picture_decodes_afresh()
    {
        using var tree = new TemporaryFolder();
        using var cache = new TemporaryFolder();
        PictureTreeWriter.WriteGreyPng(Path.Combine(tree.Path, "a", "x.png"), [1, 2, 3, 4], 2, 2);
        PictureTreeWriter.WriteGreyPng(Path.Combine(tree.Path, "b", "y.png"), [5, 6, 7, 8], 2, 2);

        var first = PictureFolderLoader.Load(PictureTree.Scan(tree.Path), new PictureFolderOptions(), cache.Path);
        var second = PictureFolderLoader.Load(PictureTree.Scan(tree.Path), new PictureFolderOptions(), cache.Path);
        File.SetLastWriteTimeUtc(Path.Combine(tree.Path, "b", "y.png"), DateTime.UtcNow.AddMinutes(-5));
        var touched = PictureFolderLoader.Load(PictureTree.Scan(tree.Path), new PictureFolderOptions(), cache.Path);

        Assert.False(first.FromCache);
        Assert.True(second.FromCache);
        Assert.Equal(first.All.Pixels, second.All.Pixels);
        Assert.False(touched.FromCache);
        Assert.Empty(Directory.EnumerateFileSystemEntries(tree.Path, "*.bin", SearchOption.AllDirectories));
    }

    [Fact]
    public void A_link_back_up_the_tree_is_a_loop_and_bad_input()
    {
        using var tree = new TemporaryFolder();
        PictureTreeWriter.WriteGreyPng(Path.Combine(tree.Path, "a", "x.png"), new byte[4], 2, 2);
        PictureTreeWriter.WriteGreyPng(Path.Combine(tree.Path, "b", "y.png"), new byte[4], 2, 2);
        Directory.CreateSymbolicLink(Path.Combine(tree.Path, "b", "again"), tree.Path);

        var error = Assert.Throws<InvalidInputException>(() => PictureTree.Scan(tree.Path));

        Assert.Contains("loop", error.Message);
    }
}
