using System.IO.Enumeration;
using System.Runtime.ExceptionServices;
using Descent.Kernels;

namespace Descent.Engine.Data;

/// <summary>Which part of a run a split folder feeds: training, validation (it chooses: best epoch, early stop) or test (reported only).</summary>
public enum PictureSplit
{
    Train,
    Valid,
    Test,
}

/// <summary>One picture of a tree: where it is, its name relative to the tree (the cache's key), its size and time, and its label.</summary>
public sealed record PictureFile(string Path, string RelativePath, long Length, DateTime LastWriteUtc, PictureSplit Split, int Label);

/// <summary>
/// A folder of class folders of pictures, as torchvision's ImageFolder and fastai's from_folder read it, known by its structure
/// alone (nothing is decoded here): either split folders by their usual names (train/training, valid/val/validation,
/// test/testing), each holding class folders, or class folders directly (to be split by --valid-split). Class indices
/// are the training classes' folder names in ordinal (code-point) order, as Python's sorted() orders them; a class folder's
/// pictures are every file with a picture extension below it, links followed, in ordinal order of their relative paths.
/// </summary>
public sealed class PictureTree
{
    /// <summary>The extensions read as pictures, case-insensitively: what SkiaSharp decodes.</summary>
    public static readonly IReadOnlyList<string> Extensions = [".png", ".jpg", ".jpeg", ".bmp", ".webp", ".gif"];

    private static readonly Dictionary<string, PictureSplit> SplitNames = new(StringComparer.OrdinalIgnoreCase)
    {
        ["train"] = PictureSplit.Train,
        ["training"] = PictureSplit.Train,
        ["valid"] = PictureSplit.Valid,
        ["val"] = PictureSplit.Valid,
        ["validation"] = PictureSplit.Valid,
        ["test"] = PictureSplit.Test,
        ["testing"] = PictureSplit.Test,
    };

    private PictureTree(string root, bool hasSplitFolders, IReadOnlyList<string> classNames, IReadOnlyList<PictureFile> files,
        IReadOnlyList<string> skipped)
    {
        Root = root;
        HasSplitFolders = hasSplitFolders;
        ClassNames = classNames;
        Files = files;
        Skipped = skipped;
    }

    /// <summary>The folder as named, made absolute.</summary>
    public string Root { get; }

    /// <summary>Whether the tree has split folders; without, every picture is training data, split by --valid-split.</summary>
    public bool HasSplitFolders { get; }

    /// <summary>The training classes' folder names in ordinal order: class i is ClassNames[i].</summary>
    public IReadOnlyList<string> ClassNames { get; }

    /// <summary>Every picture: split by split (train, valid, test), class by class, each class's in ordinal order of path.</summary>
    public IReadOnlyList<PictureFile> Files { get; }

    /// <summary>Files without a picture extension, and folders beside the splits that are none, by relative path.</summary>
    public IReadOnlyList<string> Skipped { get; }

    public bool Has(PictureSplit split) => Files.Any(file => file.Split == split);

    /// <summary>
    /// Whether <paramref name="folder"/> looks like a tree of pictures rather than a folder of IDX files: it holds folders
    /// and not all four IDX files.
    /// </summary>
    public static bool LooksLikeTree(string folder) =>
        Directory.Exists(folder)
        && IdxFileNames.All.Any(name => IdxFileNames.FindIn(folder, name) is null)
        && Directory.EnumerateDirectories(folder).Any();

    /// <summary>Reads the tree's structure; a tree that cannot train (empty, one class, a split's class the training set lacks, a link loop) is bad input.</summary>
    public static PictureTree Scan(string folder)
    {
        var root = Path.GetFullPath(folder);
        if (!Directory.Exists(root))
        {
            throw new InvalidInputException($"data folder {folder} does not exist");
        }
        var rootReal = RealPath(new DirectoryInfo(root));
        var skipped = new List<string>();
        var topFolders = SortedFolders(root);
        var splitFolders = topFolders.Where(dir => SplitNames.ContainsKey(dir.Name)).ToList();
        var hasSplits = splitFolders.Count > 0;
        // Each split, as (split, the folder whose subfolders are its classes).
        var splits = new List<(PictureSplit Split, DirectoryInfo Folder)>();
        if (hasSplits)
        {
            foreach (var group in splitFolders.GroupBy(dir => SplitNames[dir.Name]).OrderBy(group => group.Key))
            {
                if (group.Count() > 1)
                {
                    throw new InvalidInputException(
                        $"data folder {folder} has two {group.Key.ToString().ToLowerInvariant()} folders ({string.Join(" and ", group.Select(dir => dir.Name))}): keep one");
                }
                splits.Add((group.Key, group.Single()));
            }
            if (splits[0].Split != PictureSplit.Train)
            {
                throw new InvalidInputException(
                    $"data folder {folder} has {string.Join(" and ", splits.Select(split => split.Folder.Name + "/"))} but no train/ (or training/) folder to train on");
            }
            skipped.AddRange(topFolders.Except(splitFolders).Select(dir => dir.Name + "/"));
            skipped.AddRange(TopFiles(root));
        }
        else
        {
            splits.Add((PictureSplit.Train, new DirectoryInfo(root)));
        }

        string[]? classNames = null;
        var classes = new List<ClassFolder>();
        foreach (var (split, splitFolder) in splits)
        {
            var classFolders = SortedFolders(splitFolder.FullName);
            var where = hasSplits ? $"{folder}/{splitFolder.Name}" : folder;
            skipped.AddRange(TopFiles(splitFolder.FullName).Select(name => hasSplits ? $"{splitFolder.Name}/{name}" : name));
            if (classFolders.Count == 0)
            {
                throw new InvalidInputException($"{where} holds no class folders: give a folder of class folders of pictures (such as train/3, train/7)");
            }
            if (split == PictureSplit.Train)
            {
                classNames = classFolders.Select(dir => dir.Name).ToArray();
                if (classNames.Length == 1)
                {
                    throw new InvalidInputException($"{where} holds one class folder only ({classNames[0]}): a classifier needs two or more");
                }
            }
            foreach (var classFolder in classFolders)
            {
                var label = Array.IndexOf(classNames!, classFolder.Name);
                if (label < 0)
                {
                    throw new InvalidInputException(
                        $"{where} has class {classFolder.Name}, which the training folder lacks (its classes: {string.Join(", ", classNames!)})");
                }
                var splitReal = hasSplits ? ChildRealPath(splitFolder, rootReal) : rootReal;
                classes.Add(new ClassFolder(split, where, classFolder, hasSplits ? $"{splitFolder.Name}/{classFolder.Name}" : classFolder.Name,
                    label, rootReal, splitReal, ChildRealPath(classFolder, splitReal)));
            }
        }

        // Listing the class folders and reading each picture's size and time (one stat each) is most of a cached load: the folders
        // are listed side by side, and their results taken in order, so the files, the skipped names and the first error are
        // what a listing one folder after another gives.
        var listed = new ClassListing[classes.Count];
        Parallel.For(0, classes.Count, i => listed[i] = ClassListing.Of(classes[i]));
        var files = new List<PictureFile>();
        for (var i = 0; i < classes.Count; i++)
        {
            var (pictures, skippedInClass, error) = listed[i];
            error?.Throw();
            if (pictures.Count == 0 && classes[i].Split == PictureSplit.Train)
            {
                throw new InvalidInputException($"{classes[i].Where}/{classes[i].Folder.Name} holds no pictures ({string.Join(" ", Extensions)})");
            }
            pictures.Sort((a, b) => StringComparer.Ordinal.Compare(a.RelativePath, b.RelativePath));
            files.AddRange(pictures);
            skipped.AddRange(skippedInClass);
        }
        skipped.Sort(StringComparer.Ordinal);
        return new PictureTree(root, hasSplits, classNames!, files, skipped);
    }

    /// <summary>A class folder of a split, where its messages say it is, its pictures' relative prefix, its label, and the real paths above it.</summary>
    private sealed record ClassFolder(PictureSplit Split, string Where, DirectoryInfo Folder, string Prefix, int Label, string RootReal,
        string SplitReal, string Real);

    /// <summary>What one class folder holds: its pictures and its skipped entries, or the error its listing met.</summary>
    private sealed record ClassListing(List<PictureFile> Pictures, List<string> Skipped, ExceptionDispatchInfo? Error)
    {
        public static ClassListing Of(ClassFolder folder)
        {
            List<PictureFile> pictures = [];
            List<string> skipped = [];
            try
            {
                CollectPictures(folder.Folder.FullName, folder.Real, folder.Prefix, folder.Split, folder.Label, pictures, skipped,
                    [folder.RootReal, folder.SplitReal, folder.Real]);
                return new ClassListing(pictures, skipped, null);
            }
            catch (Exception error)
            {
                // Rethrown, as it was, once the folders listed before this one have been taken.
                return new ClassListing(pictures, skipped, ExceptionDispatchInfo.Capture(error));
            }
        }
    }

    /// <summary>An entry of a folder's listing, with a picture's size and time read in the same pass (no second call per file).</summary>
    private readonly record struct ListedEntry(string Name, string FullPath, bool IsDirectory, bool IsLink, bool IsPicture, long Length,
        DateTime LastWriteUtc);

    /// <summary>
    /// Every entry of <paramref name="folder"/>, hidden ones too (as DirectoryInfo lists them): a folder (a link to one included) or
    /// a file, with a picture's size and modification time from the listing's own status of it.
    /// </summary>
    private static FileSystemEnumerable<ListedEntry> Listing(string folder) =>
        new(folder, (ref FileSystemEntry entry) =>
        {
            var name = entry.FileName.ToString();
            var isDirectory = entry.IsDirectory;
            var isPicture = !isDirectory && Extensions.Contains(Path.GetExtension(name), StringComparer.OrdinalIgnoreCase);
            var isLink = (isDirectory || isPicture) && entry.Attributes.HasFlag(FileAttributes.ReparsePoint);
            return new ListedEntry(name, entry.ToFullPath(), isDirectory, isLink, isPicture,
                isPicture ? entry.Length : 0, isPicture ? entry.LastWriteTimeUtc.UtcDateTime : default);
        }, new EnumerationOptions { AttributesToSkip = 0, IgnoreInaccessible = false, RecurseSubdirectories = false });

    /// <summary>Every picture below <paramref name="folder"/>, links followed; a link back to a folder on the way down is a loop, refused.</summary>
    private static void CollectPictures(string folder, string folderReal, string relative, PictureSplit split, int label, List<PictureFile> found,
        List<string> skipped, HashSet<string> ancestors)
    {
        foreach (var entry in Listing(folder))
        {
            var entryRelative = $"{relative}/{entry.Name}";
            if (entry.IsDirectory)
            {
                var real = entry.IsLink ? RealPath(new DirectoryInfo(entry.FullPath)) : Path.Combine(folderReal, entry.Name);
                if (!ancestors.Add(real))
                {
                    throw new InvalidInputException($"{entry.FullPath} is a link back to {real}, a folder it lies in: a loop; remove the link");
                }
                CollectPictures(entry.FullPath, real, entryRelative, split, label, found, skipped, ancestors);
                ancestors.Remove(real);
            }
            else if (entry.IsPicture)
            {
                // A link's own size and time say nothing of its picture: the key uses its target's. A plain file's (nearly all)
                // came with the listing.
                if (entry.IsLink)
                {
                    if (new FileInfo(entry.FullPath).ResolveLinkTarget(returnFinalTarget: true) is not { Exists: true })
                    {
                        throw new InvalidInputException($"{entry.FullPath} is a link to nothing (a broken link)");
                    }
                    var target = new FileInfo(entry.FullPath);
                    found.Add(new PictureFile(entry.FullPath, entryRelative, target.Length, target.LastWriteTimeUtc, split, label));
                }
                else
                {
                    found.Add(new PictureFile(entry.FullPath, entryRelative, entry.Length, entry.LastWriteUtc, split, label));
                }
            }
            else
            {
                skipped.Add(entryRelative);
            }
        }
    }

    /// <summary>
    /// The real path of <paramref name="child"/>, a folder in the folder whose real path is <paramref name="parentReal"/>:
    /// a link's final target, else the parent's real path and the child's name. Folders reached through links keep their
    /// real paths, so a link back up the tree is found however deep below a link it lies.
    /// </summary>
    private static string ChildRealPath(DirectoryInfo child, string parentReal) =>
        child.LinkTarget is null ? Path.Combine(parentReal, child.Name) : RealPath(child);

    /// <summary>The folder's path with a link at its last step resolved to its final target.</summary>
    private static string RealPath(DirectoryInfo folder)
    {
        var path = folder.LinkTarget is null ? folder.FullName : folder.ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? folder.FullName;
        return Path.TrimEndingDirectorySeparator(Path.GetFullPath(path));
    }

    /// <summary>The folders in <paramref name="folder"/> (links to folders included), in ordinal order of name.</summary>
    private static List<DirectoryInfo> SortedFolders(string folder) =>
        new DirectoryInfo(folder).EnumerateDirectories().OrderBy(dir => dir.Name, StringComparer.Ordinal).ToList();

    private static IEnumerable<string> TopFiles(string folder) =>
        new DirectoryInfo(folder).EnumerateFiles().Select(file => file.Name);
}
