using Descent.Engine.Data;
using Descent.Kernels;
using Xunit;

namespace Descent.Tests.Data;

/// <summary>CIFAR's binary files as written in the format: what is read, and the bad folders and files refused with one line naming the file.</summary>
public sealed class CifarFilesTests : IDisposable
{
    private readonly TemporaryFolder folder = new();

    public void Dispose() => folder.Dispose();

    [Fact]
    public async Task Cifar10_reads_the_five_training_batches_in_order_and_the_test_batch_as_colour_images()
    {
        CifarBytes.WriteCifar10(folder.Path, perBatch: 2);

        var splits = await DatasetLoader.LoadAsync(DatasetName.Cifar10, DataLocation.InFolder(folder.Path));

        Assert.Equal(10, splits.Train.Count);
        Assert.Equal(2, splits.Valid.Count);
        Assert.Equal([0, 1, 2, 3, 4, 5, 6, 7, 8, 9], splits.Train.Labels);
        Assert.Equal([0, 1], splits.Valid.Labels);
        Assert.Equal((3, 32, 32), (splits.Train.Channels, splits.Train.ImageRows, splits.Train.ImageCols));
        // The planes are already red, green, blue, each row-major: kept byte for byte.
        Assert.Equal(CifarBytes.Picture(1), splits.Train.Pixels.AsSpan(3072, 3072).ToArray());
        Assert.Equal(10, splits.Train.Classes);
    }

    [Fact]
    public async Task Cifar100_reads_the_fine_label_by_default_and_the_coarse_one_when_asked()
    {
        CifarBytes.WriteCifar100(folder.Path, train: 3, test: 2);

        var fine = await DatasetLoader.LoadAsync(DatasetName.Cifar100, DataLocation.InFolder(folder.Path));
        var coarse = await DatasetLoader.LoadAsync(DatasetName.WithLabels("cifar-100", "coarse"), DataLocation.InFolder(folder.Path));

        Assert.Equal([0, 3, 6], fine.Train.Labels);
        Assert.Equal(100, fine.Train.Classes);
        Assert.Equal([0, 1, 2], coarse.Train.Labels);
        Assert.Equal([0, 1], coarse.Valid.Labels);
        Assert.Equal(20, coarse.Train.Classes);
        Assert.Equal(CifarBytes.Picture(2), coarse.Train.Pixels.AsSpan(2 * 3072, 3072).ToArray());
    }

    [Fact]
    public async Task The_folder_the_archive_was_unpacked_in_is_read_from_its_one_subfolder()
    {
        CifarBytes.WriteCifar10(folder.File("cifar-10-batches-bin"));

        var splits = await DatasetLoader.LoadAsync(DatasetName.Cifar10, DataLocation.InFolder(folder.Path));

        Assert.Equal(10, splits.Train.Count);
    }

    [Fact]
    public async Task A_file_that_is_not_a_whole_number_of_records_is_named()
    {
        CifarBytes.WriteCifar10(folder.Path);
        var batch = folder.File("data_batch_3.bin");
        File.WriteAllBytes(batch, [.. File.ReadAllBytes(batch), 0]);

        var error = await Assert.ThrowsAsync<InvalidInputException>(() => DatasetLoader.LoadAsync(DatasetName.Cifar10, DataLocation.InFolder(folder.Path)));

        Assert.Equal($"{batch} is 6147 bytes, not a whole number of 3073-byte records (label byte(s) and a 3x32x32 picture)", error.Message);
    }

    [Fact]
    public async Task A_label_outside_the_classes_is_named_with_its_file_and_record()
    {
        CifarBytes.WriteCifar100(folder.Path);
        File.WriteAllBytes(folder.File("test.bin"), CifarBytes.Records([1, 2], [20, 5]));

        var error = await Assert.ThrowsAsync<InvalidInputException>(
            () => DatasetLoader.LoadAsync(DatasetName.Cifar100Coarse, DataLocation.InFolder(folder.Path)));

        Assert.Equal($"{folder.File("test.bin")} has label 20 in record 1, outside the 20 classes 0..19", error.Message);
    }

    [Fact]
    public async Task A_names_file_of_another_length_is_refused()
    {
        CifarBytes.WriteCifar10(folder.Path);
        File.WriteAllLines(folder.File("batches.meta.txt"), ["airplane", "automobile"]);

        var error = await Assert.ThrowsAsync<InvalidInputException>(() => DatasetLoader.LoadAsync(DatasetName.Cifar10, DataLocation.InFolder(folder.Path)));

        Assert.Equal($"{folder.File("batches.meta.txt")} names 2 classes, not the dataset's 10", error.Message);
    }

    [Theory]
    [InlineData("cifar-10", "data_batch_1", "cifar-10-binary.tar.gz")]
    [InlineData("cifar-100", "meta", "cifar-100-binary.tar.gz")]
    [InlineData("cifar-100", "train", "cifar-100-binary.tar.gz")]
    public async Task The_python_versions_folder_is_one_line_saying_to_get_the_binary_version(string dataset, string pickle, string archive)
    {
        File.WriteAllBytes(folder.File(pickle), [0x80, 0x02]);

        var error = await Assert.ThrowsAsync<InvalidInputException>(
            () => DatasetLoader.LoadAsync(DatasetName.Parse(dataset), DataLocation.InFolder(folder.Path)));

        Assert.Contains("Python version", error.Message);
        Assert.Contains($"get {archive} from https://www.cs.toronto.edu/~kriz/cifar.html", error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public async Task A_folder_missing_record_files_names_them()
    {
        CifarBytes.WriteCifar10(folder.Path);
        File.Delete(folder.File("test_batch.bin"));

        var error = await Assert.ThrowsAsync<InvalidInputException>(() => DatasetLoader.LoadAsync(DatasetName.Cifar10, DataLocation.InFolder(folder.Path)));

        Assert.Equal($"data folder {folder.Path} has no test_batch.bin (CIFAR-10's binary version)", error.Message);
    }

    [Fact]
    public void Labels_apply_to_cifar100_only()
    {
        Assert.Same(DatasetName.Cifar100, DatasetName.WithLabels("cifar-100", "fine"));
        Assert.Same(DatasetName.Cifar100Coarse, DatasetName.WithLabels("cifar-100", "coarse"));
        Assert.Same(DatasetName.Mnist, DatasetName.WithLabels("mnist", null));
        Assert.Throws<InvalidInputException>(() => DatasetName.WithLabels("cifar-10", "coarse"));
        Assert.Equal(100, DatasetFamily.Cifar100.ClassNames.Count);
        Assert.Equal(20, DatasetFamily.Cifar100CoarseClassNames.Count);
        Assert.Equal(DatasetFamily.Cifar100.ClassNames.Count, DatasetFamily.Cifar100.ClassNames.Distinct().Count());
    }
}
