using Descent.Kernels;

namespace Descent.Engine.Data;

/// <summary>
/// fast.ai's MNIST_SAMPLE as the book downloads it: PNG digits in train/3, train/7, valid/3 and valid/7 (a labels.csv
/// beside them is skipped). The lesson reads it as its 3-vs-7 set, labelled as <see cref="ThreesAndSevens"/> labels
/// MNIST's: 1 for a 3, 0 for a 7 (the tree's own order, '3' before '7', would say the opposite), valid/ as the book's
/// "valid" set.
/// </summary>
public static class MnistSample
{
    /// <summary>The layout, as messages name it.</summary>
    public const string Layout = "train/3, train/7, valid/3 and valid/7 of PNG digits";

    /// <summary>The digits' side: the lesson's steps draw and compare 28x28 MNIST digits.</summary>
    public const int Side = 28;

    /// <summary>Refuses, in one line, a tree that is not MNIST_SAMPLE's layout: split folders train/ and valid/ only, each holding the classes 3 and 7.</summary>
    public static void Check(PictureTree tree)
    {
        string[] classes = ["3", "7"];
        var problem =
            !tree.HasSplitFolders ? "it has no train/ and valid/ folders"
            : !tree.ClassNames.SequenceEqual(classes, StringComparer.Ordinal) ? $"its classes are {string.Join(", ", tree.ClassNames)}, not 3 and 7"
            : tree.Has(PictureSplit.Test) ? "it has a test folder besides train/ and valid/"
            : MissingClass(tree) is { } missing ? $"it has no {missing} folder"
            : null;
        if (problem is not null)
        {
            throw new InvalidInputException($"{tree.Root} is not MNIST_SAMPLE's layout ({Layout}): {problem}");
        }
    }

    /// <summary>
    /// The tree's digits as the lesson's 3s and 7s (training and valid), grey, <see cref="Side"/> x <see cref="Side"/> (decoded
    /// and cached as any tree's pictures are).
    /// </summary>
    public static DatasetSplits Load(PictureTree tree, string cacheRoot, IProgress<string>? progress = null, CancellationToken cancellation = default)
    {
        Check(tree);
        var pictures = PictureFolderLoader.Load(tree, new PictureFolderOptions(Channels: 1, Size: (Side, Side)), cacheRoot, progress, cancellation);
        return new DatasetSplits(AsThreesAndSevens(pictures.Train), AsThreesAndSevens(pictures.Valid!));
    }

    /// <summary>The tree's labels (0 for its class '3', 1 for '7') as the lesson's: 1 for a 3, 0 for a 7.</summary>
    private static ImageDataset AsThreesAndSevens(ImageDataset images) =>
        images.Subset(Enumerable.Range(0, images.Count).ToArray(), label => 1 - label, ThreesAndSevens.ClassNames.Count);

    private static string? MissingClass(PictureTree tree)
    {
        foreach (var (split, name) in new[] { (PictureSplit.Train, "train"), (PictureSplit.Valid, "valid") })
        {
            for (var label = 0; label < tree.ClassNames.Count; label++)
            {
                if (!tree.Files.Any(file => file.Split == split && file.Label == label))
                {
                    return $"{name}/{tree.ClassNames[label]}";
                }
            }
        }
        return null;
    }
}
