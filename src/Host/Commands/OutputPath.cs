using Descent.Kernels;

namespace Descent.Host.Commands;

/// <summary>Checks a file a command will write, before the command does its work.</summary>
public static class OutputPath
{
    /// <summary>
    /// Refuses an output path whose folder is missing or that names a folder, so that nothing computed is
    /// lost at the end for want of a place to write it.
    /// </summary>
    public static void Check(string path, string option)
    {
        if (string.IsNullOrWhiteSpace(path))
        {
            throw new InvalidInputException($"{option} needs a file name");
        }
        if (Directory.Exists(path))
        {
            throw new InvalidInputException($"{option} {path} is a folder, not a file");
        }
        var folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
        if (!Directory.Exists(folder))
        {
            throw new InvalidInputException($"{option} {path}: the folder {folder} does not exist");
        }
    }
}
