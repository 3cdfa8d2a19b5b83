using System.Globalization;
using Descent.Kernels;

namespace Descent.Engine.Data;

/// <summary>
/// Reads a folder of CIFAR's binary files. The folder is checked by structure: every record file present
/// and a whole number of records long, every label byte a class of the dataset, the names file (where there
/// is one) listing as many names as there are classes. Messages name the file at fault. A folder of the
/// Python version, whose pickles look like the binary files without ".bin", is told apart and named.
/// </summary>
public static class CifarFiles
{
    /// <summary>
    /// The folder that holds <paramref name="format"/>'s files: <paramref name="folder"/> itself, or the folder its
    /// archive unpacks into when <paramref name="folder"/> is where the archive was unpacked.
    /// </summary>
    public static string Locate(string folder, CifarFormat format)
    {
        if (File.Exists(folder))
        {
            throw new InvalidInputException($"data folder {folder} is not a folder: name the folder that holds {format.Title}'s binary files");
        }

        if (!Directory.Exists(folder))
        {
            throw new InvalidInputException($"data folder {folder} does not exist");
        }

        var unpacked = Path.Combine(folder, format.ArchiveFolder);
        if (!HasRecordFiles(folder, format) && Directory.Exists(unpacked))
        {
            folder = unpacked;
        }

        var missing = format.TrainFiles.Concat(format.TestFiles).Where(name => !File.Exists(Path.Combine(folder, name))).ToList();
        if (missing.Count == 0)
        {
            return folder;
        }

        if (format.PythonVersionFiles.Any(name => File.Exists(Path.Combine(folder, name))))
        {
            throw new InvalidInputException(
                $"data folder {folder} holds {format.Title}'s Python version ({format.PythonArchiveName}, pickles); Descent reads the " +
                $"binary version: get {format.ArchiveName} from {CifarFormat.HomePage} and unpack it");
        }

        throw new InvalidInputException($"data folder {folder} has no {string.Join(", ", missing)} ({format.Title}'s binary version)");
    }

    /// <summary>
    /// The training and test records of the folder <see cref="Locate"/> found, labelled by the fine label (CIFAR-10's
    /// only one) or, for CIFAR-100 with <paramref name="coarse"/>, by the superclass.
    /// </summary>
    public static DatasetSplits Load(string folder, CifarFormat format, bool coarse, int classes)
    {
        if (coarse && format.CoarseNamesFile is null)
        {
            throw new InvalidInputException($"{format.Title} has one label per picture; coarse labels are CIFAR-100's");
        }

        var namesFile = coarse ? format.CoarseNamesFile! : format.FineNamesFile;
        CheckNames(Path.Combine(folder, namesFile), classes);
        // CIFAR-100's records lead with the coarse label, then the fine one.
        var labelOffset = format.LabelBytes == 2 && !coarse ? 1 : 0;
        return new DatasetSplits(
            ReadRecords(format.TrainFiles.Select(name => Path.Combine(folder, name)).ToList(), format.RecordBytes, labelOffset, classes),
            ReadRecords(format.TestFiles.Select(name => Path.Combine(folder, name)).ToList(), format.RecordBytes, labelOffset, classes));
    }

    /// <summary>
    /// The records of <paramref name="paths"/>, in order, as colour images: each record's label is its byte at
    /// <paramref name="labelOffset"/>, and its last <see cref="CifarFormat.ImageBytes"/> bytes are the picture.
    /// </summary>
    public static ImageDataset ReadRecords(IReadOnlyList<string> paths, int recordBytes, int labelOffset, int classes)
    {
        var sizes = paths.Select(path => LengthOf(path)).ToList();
        for (var i = 0; i < paths.Count; i++)
        {
            if (sizes[i] == 0 || sizes[i] % recordBytes != 0)
            {
                throw new InvalidInputException(
                    $"{paths[i]} is {sizes[i]} bytes, not a whole number of {recordBytes}-byte records (label byte(s) and a 3x32x32 picture)");
            }
        }

        var count = sizes.Sum(size => size / recordBytes);
        if (count * CifarFormat.ImageBytes > Array.MaxLength)
        {
            throw new InvalidInputException($"{count} pictures are more than one dataset can hold");
        }

        var pixels = new byte[count * CifarFormat.ImageBytes];
        var labels = new int[count];
        var record = new byte[recordBytes];
        var item = 0;
        for (var i = 0; i < paths.Count; i++)
        {
            using var file = OpenRead(paths[i]);
            for (var index = 0; index < sizes[i] / recordBytes; index++, item++)
            {
                file.ReadExactly(record);
                var label = record[labelOffset];
                if (label >= classes)
                {
                    throw new InvalidInputException(
                        $"{paths[i]} has label {label} in record {index}, outside the {classes} classes 0..{classes - 1}");
                }

                labels[item] = label;
                record.AsSpan(recordBytes - CifarFormat.ImageBytes).CopyTo(pixels.AsSpan(item * CifarFormat.ImageBytes));
            }
        }

        return new ImageDataset(pixels, labels, CifarFormat.Channels, CifarFormat.ImageSize, CifarFormat.ImageSize, classes);
    }

    private static bool HasRecordFiles(string folder, CifarFormat format) =>
        format.TrainFiles.Concat(format.TestFiles).Any(name => File.Exists(Path.Combine(folder, name)));

    // The names file says what the labels mean; one of another dataset, or cut short, means the records are not what they seem.
    // It is optional in a folder of one's own: the records alone decide the numbers.
    private static void CheckNames(string path, int classes)
    {
        if (!File.Exists(path))
        {
            return;
        }

        var names = ReadAllLines(path).Select(line => line.Trim()).Where(line => line.Length > 0).ToList();
        if (names.Count != classes)
        {
            throw new InvalidInputException(
                string.Create(CultureInfo.InvariantCulture, $"{path} names {names.Count} classes, not the dataset's {classes}"));
        }
    }

    private static long LengthOf(string path)
    {
        try
        {
            return new FileInfo(path).Length;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvalidInputException($"cannot read {path}: {e.Message}");
        }
    }

    private static FileStream OpenRead(string path)
    {
        try
        {
            return File.OpenRead(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvalidInputException($"cannot read {path}: {e.Message}");
        }
    }

    private static string[] ReadAllLines(string path)
    {
        try
        {
            return File.ReadAllLines(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvalidInputException($"cannot read {path}: {e.Message}");
        }
    }
}
