namespace Descent.Engine.Data;

/// <summary>Loads a named dataset's training and validation images from a <see cref="DataLocation"/>.</summary>
public static class DatasetLoader
{
    /// <summary>
    /// mnist and fashion-mnist: the 60000 training images and the 10000 test images as validation.
    /// mnist-3-7: the 3s and 7s of mnist's (12396 and 2038). cifar-10, cifar-100 and cifar-100-coarse: the
    /// training records and the test records as validation.
    /// </summary>
    public static async Task<DatasetSplits> LoadAsync(
        DatasetName dataset, DataLocation location, CancellationToken cancellation = default)
    {
        if (dataset.Family?.Cifar is { } cifar)
        {
            var folder = await location.ResolveCifarAsync(cifar, cancellation);
            return CifarFiles.Load(folder, cifar, coarse: dataset == DatasetName.Cifar100Coarse, dataset.Classes);
        }

        var files = await location.ResolveAsync(cancellation);
        var classes = (dataset.Family ?? throw NotAFamily(dataset)).ClassNames.Count;
        var whole = new DatasetSplits(
            ImageDataset.Load(files.TrainImages, files.TrainLabels, classes),
            ImageDataset.Load(files.TestImages, files.TestLabels, classes));
        return dataset == DatasetName.MnistThreesAndSevens ? ThreesAndSevens.From(whole) : whole;
    }

    /// <summary>The failure of asking a tree of pictures for IDX files: it is read from --data-dir only.</summary>
    internal static Kernels.InvalidInputException NotAFamily(DatasetName dataset) =>
        new($"the {dataset.Name} dataset is a tree of class folders of pictures: give --data-dir the folder");
}
