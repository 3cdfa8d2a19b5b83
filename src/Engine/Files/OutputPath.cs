using Descent.Kernels;

namespace Descent.Engine.Files;

/// <summary>How the bytes of an output reach it.</summary>
internal enum OutputKind
{
    /// <summary>A regular file, or nothing yet: written to a temporary file beside it, then renamed over it.</summary>
    File,

    /// <summary>A character device (/dev/null, a terminal) or a pipe: written in place, as a stream; never replaced.</summary>
    Stream,
}

/// <summary>An output as <see cref="OutputPath.Resolve"/> found it: <paramref name="Target"/> is the file itself, through any symbolic links.</summary>
internal sealed record OutputTarget(string Path, string Target, OutputKind Kind);

/// <summary>
/// The rules every file Descent writes follows, checked the same way before work starts (<see cref="Check"/>)
/// and when the file is written (<see cref="AtomicFile"/>): a path that names a symbolic link is written
/// through to the link's target and the link stays; a character device such as /dev/null, or a pipe, is
/// written directly; a folder, a block device, a socket, or a path in no existing folder is refused; only a
/// regular file is ever replaced. A bad path is bad input (exit 2); a place the machine will not let Descent
/// write is the environment's (exit 3).
/// </summary>
public static class OutputPath
{
    /// <summary>
    /// Refuses, before any work starts, an output that could not be written when the work ends, so that no
    /// trained model or benchmark is lost to a typo or a read-only folder. For a file, a temporary file is
    /// created and deleted beside it, which proves the folder writable; a device or pipe is not opened
    /// (opening a pipe waits for its reader). Nothing to check when <paramref name="path"/> is null.
    /// </summary>
    /// <param name="option">The option that named the path, for the message: "--save".</param>
    public static void Check(string? path, string option)
    {
        if (path is null)
        {
            return;
        }
        var output = Resolve(path, option);
        if (output.Kind == OutputKind.File)
        {
            var temporary = AtomicFile.TemporaryBeside(output.Target);
            try
            {
                new FileStream(temporary, FileMode.CreateNew, FileAccess.Write).Dispose();
                File.Delete(temporary);
            }
            catch (Exception error) when (error is IOException or UnauthorizedAccessException)
            {
                throw OutputFailedException.Writing($"{path} ({option})", error);
            }
        }
    }

    /// <summary>
    /// Refuses, before any work starts, a run whose outputs would overwrite one another: two options naming
    /// one file (compared as resolved full paths, links followed, so two spellings of a file collide), or an
    /// output inside <paramref name="folder"/> where the folder's owner writes (<paramref name="owns"/> says
    /// which names directly under it are its own). Devices and pipes are streams written in place, never
    /// replaced, so several outputs may share one (/dev/null). Null paths are outputs not asked for.
    /// </summary>
    /// <param name="folder">A folder the run writes, with its option ("--checkpoint"); null when there is none.</param>
    public static void RefuseCollisions(IReadOnlyList<(string? Path, string Option)> outputs,
        (string Path, string Option)? folder = null, Func<string, bool>? owns = null)
    {
        var files = outputs.Where(output => output.Path is not null)
            .Select(output => (output.Path!, output.Option, Resolve(output.Path!, output.Option)))
            .Where(output => output.Item3.Kind == OutputKind.File)
            .Select(output => (Path: output.Item1, output.Option, Canonical: FileKinds.Canonical(output.Item3.Target)))
            .ToList();
        for (var i = 0; i < files.Count; i++)
        {
            for (var j = i + 1; j < files.Count; j++)
            {
                if (files[i].Canonical == files[j].Canonical)
                {
                    var same = files[i].Path == files[j].Path ? "" : $" ({files[i].Canonical})";
                    throw new InvalidInputException(
                        $"{files[i].Option} {files[i].Path} and {files[j].Option} {files[j].Path} name the same file{same}: " +
                        "one would replace the other; give each its own");
                }
            }
        }
        if (folder is null)
        {
            return;
        }
        var (folderPath, folderOption) = folder.Value;
        var root = FileKinds.Canonical(System.IO.Path.GetFullPath(folderPath));
        foreach (var file in files)
        {
            var relative = System.IO.Path.GetRelativePath(root, file.Canonical);
            var inside = relative != ".." && !relative.StartsWith(".." + System.IO.Path.DirectorySeparatorChar, StringComparison.Ordinal)
                && !System.IO.Path.IsPathRooted(relative);
            if (relative == ".")
            {
                throw new InvalidInputException(
                    $"{file.Option} {file.Path} and {folderOption} {folderPath} name the same path: a file cannot also be the folder; give each its own");
            }
            var first = relative.Split(System.IO.Path.DirectorySeparatorChar)[0];
            if (inside && (owns?.Invoke(first) ?? true))
            {
                throw new InvalidInputException(
                    $"{file.Option} {file.Path} is inside {folderOption} {folderPath}, where the run writes {first}: " +
                    "one would replace the other; name a file elsewhere");
            }
        }
    }

    /// <summary>Whether two paths name one file: their full paths with every link followed, so two spellings of a file agree.</summary>
    public static bool SameFile(string first, string second) =>
        FileKinds.Canonical(System.IO.Path.GetFullPath(first)) == FileKinds.Canonical(System.IO.Path.GetFullPath(second));

    /// <summary>Where and how <paramref name="path"/> is written, or why it may not be.</summary>
    /// <param name="option">The option that named the path, for messages; null when it is not known.</param>
    /// <exception cref="InvalidInputException">The path is empty, a folder, a block device or socket, or in no folder.</exception>
    /// <exception cref="OutputFailedException">The path cannot be looked up for a reason of the machine's.</exception>
    internal static OutputTarget Resolve(string path, string? option)
    {
        var subject = option is null ? path : $"{option} {path}";
        if (string.IsNullOrWhiteSpace(path))
        {
            throw new InvalidInputException(option is null ? "an output file needs a name, got an empty one" : $"{option} needs a file name");
        }
        string full;
        try
        {
            full = System.IO.Path.GetFullPath(path);
        }
        catch (Exception error) when (error is ArgumentException or NotSupportedException or PathTooLongException)
        {
            throw new InvalidInputException($"{subject} is not a path: {error.Message}", error);
        }

        var kind = Lookup(full, path, option);
        return kind switch
        {
            FileKind.Folder => throw new InvalidInputException($"{subject} is a folder, not a file"),
            FileKind.CharacterDevice or FileKind.Pipe => new OutputTarget(path, full, OutputKind.Stream),
            FileKind.BlockDevice or FileKind.Socket => throw new InvalidInputException(
                $"{subject} is a {(kind == FileKind.BlockDevice ? "block device" : "socket")}: Descent writes regular files, " +
                "and character devices (such as /dev/null) and pipes as streams, and replaces nothing else"),
            _ => FileOutput(path, full, subject),
        };
    }

    /// <summary>
    /// The folder <paramref name="path"/>, created with any missing parents, for outputs written into it one file each.
    /// A path that is anything but a folder (a file, a device such as /dev/null, a pipe, a link to any of these or
    /// to nothing, a path through a file) is bad input said in Descent's words; a folder that cannot be created is the machine's.
    /// </summary>
    public static void CreateFolder(string path, string option)
    {
        if (string.IsNullOrWhiteSpace(path))
        {
            throw new InvalidInputException($"{option} needs a folder name");
        }
        string full;
        try
        {
            full = System.IO.Path.GetFullPath(path);
        }
        catch (Exception error) when (error is ArgumentException or NotSupportedException or PathTooLongException)
        {
            throw new InvalidInputException($"{option} {path} is not a path: {error.Message}", error);
        }
        var kind = Lookup(full, path, option);
        switch (kind)
        {
            case FileKind.Folder:
                return;
            case FileKind.Missing when LinkTarget(full) is { } target:
                // statx follows the link to nothing; creating the folder would fail on the link itself.
                throw new InvalidInputException($"{option} {path} is a symbolic link to {target}, which does not exist");
            case FileKind.Missing:
                try
                {
                    Directory.CreateDirectory(full);
                }
                catch (Exception error) when (error is IOException or UnauthorizedAccessException)
                {
                    throw OutputFailedException.Writing($"{path} ({option})", error);
                }
                return;
            default:
                var what = kind switch
                {
                    FileKind.RegularFile => "a file",
                    FileKind.CharacterDevice or FileKind.BlockDevice => "a device",
                    FileKind.Pipe => "a pipe",
                    _ => "a socket",
                };
                var through = LinkTarget(full) is { } linked ? $" (a symbolic link to {linked})" : "";
                throw new InvalidInputException($"{option} {path} is {what}{through}, not a folder");
        }
    }

    /// <summary>Where the symbolic link <paramref name="full"/> points, as written in it; null when it is not a link.</summary>
    private static string? LinkTarget(string full)
    {
        try
        {
            return new FileInfo(full).LinkTarget;
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>What <paramref name="full"/> is; a lookup that fails is bad input when the path is wrong, else the machine's.</summary>
    private static FileKind Lookup(string full, string path, string? option)
    {
        var subject = option is null ? path : $"{option} {path}";
        try
        {
            return FileKinds.Of(full);
        }
        catch (PathLookupException error)
        {
            throw error.Errno switch
            {
                PathLookupException.NotAFolder => new InvalidInputException($"{subject}: a part of the path before its last name is not a folder", error),
                PathLookupException.TooManyLinks => new InvalidInputException($"{subject}: too many levels of symbolic links", error),
                PathLookupException.NameTooLong => new InvalidInputException($"{subject}: the name is too long", error),
                _ => OutputFailedException.Writing(option is null ? path : $"{path} ({option})", error),
            };
        }
    }

    /// <summary>A regular file or none yet: the file a symbolic link leads to, whose folder must exist.</summary>
    private static OutputTarget FileOutput(string path, string full, string subject)
    {
        string target;
        try
        {
            target = new FileInfo(full).LinkTarget is null ? full : new FileInfo(full).ResolveLinkTarget(returnFinalTarget: true)!.FullName;
        }
        catch (IOException error)
        {
            throw new InvalidInputException($"{subject}: {error.Message}", error);
        }
        var folder = System.IO.Path.GetDirectoryName(target)!;
        if (!Directory.Exists(folder))
        {
            throw new InvalidInputException(File.Exists(folder)
                ? $"{subject}: {folder} is a file, not a folder"
                : $"{subject}: the folder {folder} does not exist");
        }
        return new OutputTarget(path, target, OutputKind.File);
    }
}
