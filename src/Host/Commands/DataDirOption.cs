using System.CommandLine;
using Descent.Engine.Data;

namespace Descent.Host.Commands;

/// <summary>
/// The --data-dir option of every command that reads a dataset. Its help names the folders used
/// without it, as the cache computes them on this machine, so the text cannot drift from the code.
/// </summary>
public static class DataDirOption
{
    /// <param name="datasets">The datasets the command reads, whose default folders the help lists.</param>
    public static Option<string?> Create(IReadOnlyList<DatasetName> datasets) => new("--data-dir")
    {
        Description = "Folder holding the dataset's files, checked by structure only: the four MNIST-format IDX files (raw or .gz); " +
                      "for cifar-10 data_batch_1.bin..data_batch_5.bin, test_batch.bin (batches.meta.txt optional); for cifar-100 " +
                      "train.bin, test.bin (fine_label_names.txt, coarse_label_names.txt optional): the binary version's folder, or the folder it was unpacked in " +
                      $"[default: the checksummed cache, filled on first use: {DefaultFolders(datasets)}]",
    };

    /// <summary>"&lt;folder&gt; for &lt;datasets&gt;" for each family among <paramref name="datasets"/>, and the rule for the root.</summary>
    public static string DefaultFolders(IReadOnlyList<DatasetName> datasets)
    {
        var root = DataLocation.DefaultCacheRoot();
        var folders = datasets.GroupBy(dataset => dataset.Family!)
            .Select(family => $"{IdxCache.FolderFor(root, family.Key)} for {string.Join(" and ", family.Select(dataset => dataset.Name))}");
        return $"{string.Join(", ", folders)} (root: {DataLocation.DefaultCacheRootRule})";
    }
}
