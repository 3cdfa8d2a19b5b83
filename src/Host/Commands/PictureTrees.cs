using Descent.Engine.Data;
using Descent.Engine.Training;
using Descent.Kernels;

namespace Descent.Host.Commands;

/// <summary>How the commands that read --data-dir tell a tree of class folders of pictures from a folder of IDX files, and say what they skip.</summary>
public static class PictureTrees
{
    /// <summary>Files a skipped-files line names before "...".</summary>
    private const int NamedSkips = 3;

    /// <summary>The tree --data-dir names, scanned (its structure only), or null where it names no tree; says in one line what it skips.</summary>
    public static PictureTree? ScanIfTree(string? dataDir, Action<string>? say)
    {
        if (dataDir is null || !PictureTree.LooksLikeTree(dataDir))
        {
            return null;
        }
        var tree = PictureTree.Scan(dataDir);
        if (say is not null && tree.Skipped.Count > 0)
        {
            say($"skipped {tree.Skipped.Count} entries that are not pictures ({string.Join(" ", PictureTree.Extensions)}) or splits: " +
                $"{string.Join(", ", tree.Skipped.Take(NamedSkips))}{(tree.Skipped.Count > NamedSkips ? ", ..." : "")}");
        }
        return tree;
    }

    /// <summary>
    /// The dataset `descent eval` and `descent predict --index` read: the tree, whose classes must be the model's (by name where
    /// the model recorded names, else by count), else --dataset, else the model's own.
    /// </summary>
    public static DatasetName DatasetToEvaluate(PictureTree? tree, string? datasetOption, TrainingSpec spec, string modelPath)
    {
        if (tree is null)
        {
            if (datasetOption is null && spec.Dataset == DatasetName.FolderName)
            {
                throw new InvalidInputException($"{modelPath} was trained on a tree of class folders of pictures: give --data-dir a tree with its classes");
            }
            return DatasetName.Parse(datasetOption ?? spec.Dataset);
        }
        if (datasetOption is not null)
        {
            throw new InvalidInputException($"--data-dir {tree.Root} is a tree of class folders of pictures, its own dataset: --dataset {datasetOption} names another");
        }
        if (spec.ClassNames is { } trained && !trained.SequenceEqual(tree.ClassNames, StringComparer.Ordinal))
        {
            throw new InvalidInputException(
                $"{modelPath} was trained on the classes {string.Join(", ", trained)}; {tree.Root} has {string.Join(", ", tree.ClassNames)}");
        }
        return DatasetName.OfFolder(tree.ClassNames);
    }

    /// <summary>The tree's pictures a model is measured on, made the shape the model takes (its channels, its size).</summary>
    public static ImageDataset LoadForEvaluation(PictureTree tree, TrainingSpec spec, IProgress<string>? progress, CancellationToken cancellation,
        IProgress<PicturesDecoded>? decoding = null)
    {
        var options = spec.InputShape is [var channels, var height, var width] ? new PictureFolderOptions(channels, (width, height)) : new PictureFolderOptions();
        return PictureFolderLoader.Load(tree, options, DataLocation.DefaultCacheRoot(), progress, cancellation, decoding).ForEvaluation(spec.ValidSplit, spec.Seed);
    }

    /// <summary>
    /// The tree's pictures for a command that trains without choosing (lr-find sweeps, bench times): its training pictures,
    /// beside its valid/ or test/ pictures (else the training ones) for the run to hold as its evaluation set.
    /// </summary>
    public static DatasetSplits LoadForTraining(PictureTree tree, RunSettings run, IProgress<string>? progress, CancellationToken cancellation,
        IProgress<PicturesDecoded>? decoding = null)
    {
        var pictures = PictureFolderLoader.Load(tree, run.PictureOptions(saved: null), DataLocation.DefaultCacheRoot(), progress, cancellation, decoding);
        return new DatasetSplits(pictures.Train, pictures.Valid ?? pictures.Test ?? pictures.Train);
    }
}
