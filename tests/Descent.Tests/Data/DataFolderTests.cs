using Descent.Engine.Data;
using Descent.Kernels;
using Xunit;

namespace Descent.Tests.Data;

/// <summary>A --data-dir folder: one's own MNIST-format files load, checked by structure and not by checksum.</summary>
public sealed class DataFolderTests : IDisposable
{
    private readonly TemporaryFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task Own_files_in_MNIST_format_load_raw_and_gzipped_without_a_checksum()
    {
        WriteOwnDataset();

        var splits = await DatasetLoader.LoadAsync(DatasetName.Mnist, DataLocation.InFolder(_folder.Path));

        Assert.Equal([3, 7, 1, 3, 9], splits.Train.Labels);
        Assert.Equal(IdxBytes.NumberedPixels(5, 2, 2), splits.Train.Pixels);
        Assert.Equal([7, 3], splits.Valid.Labels);
        Assert.Equal((10, 2, 2), (splits.Train.Classes, splits.Train.ImageRows, splits.Train.ImageCols));
    }

    [Fact]
    public async Task The_3_vs_7_set_keeps_the_3s_and_7s_in_order_with_1_for_a_3()
    {
        WriteOwnDataset();

        var splits = await DatasetLoader.LoadAsync(DatasetName.MnistThreesAndSevens, DataLocation.InFolder(_folder.Path));

        Assert.Equal([1, 0, 1], splits.Train.Labels);
        Assert.Equal([0, 0, 0, 0, 1, 1, 1, 1, 3, 3, 3, 3], splits.Train.Pixels);
        Assert.Equal([0, 1], splits.Valid.Labels);
        Assert.Equal(2, splits.Train.Classes);
    }

    [Fact]
    public async Task A_missing_file_is_named()
    {
        WriteOwnDataset();
        File.Delete(_folder.File("t10k-labels-idx1-ubyte.gz"));

        var problem = await Assert.ThrowsAsync<InvalidInputException>(
            () => DataLocation.InFolder(_folder.Path).ResolveAsync());

        Assert.Equal($"data folder {_folder.Path} has no t10k-labels-idx1-ubyte (raw, or with .gz added)", problem.Message);
    }

    [Fact]
    public async Task A_folder_that_does_not_exist_is_reported()
    {
        var missing = _folder.File("absent");

        var problem = await Assert.ThrowsAsync<InvalidInputException>(() => DataLocation.InFolder(missing).ResolveAsync());

        Assert.Equal($"data folder {missing} does not exist", problem.Message);
    }

    [Theory]
    [InlineData("a regular file")]
    [InlineData("a gzipped IDX file")]
    public async Task A_file_named_as_the_folder_is_not_a_folder(string kind)
    {
        WriteOwnDataset();
        var file = kind == "a regular file" ? _folder.File("notes.txt") : _folder.File("t10k-labels-idx1-ubyte.gz");
        File.WriteAllText(_folder.File("notes.txt"), "not a folder");

        var problem = await Assert.ThrowsAsync<InvalidInputException>(() => DataLocation.InFolder(file).ResolveAsync());

        Assert.Equal($"data folder {file} is not a folder: name the folder that holds the four IDX files", problem.Message);
    }

    [SkippableFact]
    public async Task A_device_named_as_the_folder_is_not_a_folder()
    {
        Skip.IfNot(File.Exists("/dev/null"), "no /dev/null here");

        var problem = await Assert.ThrowsAsync<InvalidInputException>(() => DataLocation.InFolder("/dev/null").ResolveAsync());

        Assert.StartsWith("data folder /dev/null is not a folder", problem.Message);
    }

    // Tiny 2 x 2 images; the training images are raw, the test files gzipped, to mix both forms.
    private void WriteOwnDataset()
    {
        File.WriteAllBytes(_folder.File("train-images-idx3-ubyte"), IdxBytes.Images(5, 2, 2, IdxBytes.NumberedPixels(5, 2, 2)));
        File.WriteAllBytes(_folder.File("train-labels-idx1-ubyte"), IdxBytes.Labels(3, 7, 1, 3, 9));
        File.WriteAllBytes(_folder.File("t10k-images-idx3-ubyte.gz"), IdxBytes.Gzip(IdxBytes.Images(2, 2, 2, IdxBytes.NumberedPixels(2, 2, 2))));
        File.WriteAllBytes(_folder.File("t10k-labels-idx1-ubyte.gz"), IdxBytes.Gzip(IdxBytes.Labels(7, 3)));
    }
}
