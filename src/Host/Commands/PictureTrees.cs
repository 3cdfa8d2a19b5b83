using Descent.Engine.Data;

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
}
