namespace Descent.Engine.Data;

/// <summary>
/// One of the two CIFAR datasets in the binary version its authors publish ("for C programs"): which
/// files hold the training and test records, how many label bytes lead each record, the files naming the
/// classes, and the archive they come in with the MD5 the dataset's home page lists for it. Each record is
/// its label byte(s) and then 3072 bytes: the red, green and blue planes of a 32x32 picture, each row-major,
/// which is already the channels-first layout a batch uses.
/// </summary>
public sealed class CifarFormat
{
    /// <summary>Side of every CIFAR picture, in pixels.</summary>
    public const int ImageSize = 32;

    /// <summary>Red, green and blue.</summary>
    public const int Channels = 3;

    /// <summary>Bytes of one picture: three 32x32 planes.</summary>
    public const int ImageBytes = Channels * ImageSize * ImageSize;

    /// <summary>The page that lists the versions of both datasets and their archives' MD5s.</summary>
    public static readonly Uri HomePage = new("https://www.cs.toronto.edu/~kriz/cifar.html");

    /// <summary>CIFAR-10: 50000 training pictures in five batches of 10000, and 10000 test pictures; 10 classes.</summary>
    public static CifarFormat Cifar10 { get; } = new(
        "cifar-10", "CIFAR-10",
        trainFiles: ["data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin", "data_batch_5.bin"],
        testFiles: ["test_batch.bin"],
        fineNamesFile: "batches.meta.txt",
        coarseNamesFile: null,
        archiveName: "cifar-10-binary.tar.gz",
        archiveMd5: "c32a1d4ab5d03f1284b67883e8d87530",
        archiveFolder: "cifar-10-batches-bin",
        pythonVersionFiles: ["data_batch_1", "test_batch", "batches.meta"],
        pythonArchiveName: "cifar-10-python.tar.gz");

    /// <summary>
    /// CIFAR-100: 50000 training and 10000 test pictures, each labelled with one of 20 superclasses (coarse)
    /// and one of 100 classes (fine), the coarse label byte first.
    /// </summary>
    public static CifarFormat Cifar100 { get; } = new(
        "cifar-100", "CIFAR-100",
        trainFiles: ["train.bin"],
        testFiles: ["test.bin"],
        fineNamesFile: "fine_label_names.txt",
        coarseNamesFile: "coarse_label_names.txt",
        archiveName: "cifar-100-binary.tar.gz",
        archiveMd5: "03b5dce01913d631647c71ecec9e9cb8",
        archiveFolder: "cifar-100-binary",
        pythonVersionFiles: ["train", "test", "meta"],
        pythonArchiveName: "cifar-100-python.tar.gz");

    private CifarFormat(
        string name, string title, IReadOnlyList<string> trainFiles, IReadOnlyList<string> testFiles, string fineNamesFile,
        string? coarseNamesFile, string archiveName, string archiveMd5, string archiveFolder,
        IReadOnlyList<string> pythonVersionFiles, string pythonArchiveName)
    {
        Name = name;
        Title = title;
        TrainFiles = trainFiles;
        TestFiles = testFiles;
        FineNamesFile = fineNamesFile;
        CoarseNamesFile = coarseNamesFile;
        ArchiveName = archiveName;
        ArchiveMd5 = archiveMd5;
        ArchiveFolder = archiveFolder;
        PythonVersionFiles = pythonVersionFiles;
        PythonArchiveName = pythonArchiveName;
    }

    /// <summary>The name of the cache folder and of the dataset (its fine labels).</summary>
    public string Name { get; }

    /// <summary>The name its authors publish it under, for messages.</summary>
    public string Title { get; }

    /// <summary>The files of training records, read in this order.</summary>
    public IReadOnlyList<string> TrainFiles { get; }

    /// <summary>The files of test records, read in this order.</summary>
    public IReadOnlyList<string> TestFiles { get; }

    /// <summary>The class names of the (fine) label, one a line in label order.</summary>
    public string FineNamesFile { get; }

    /// <summary>CIFAR-100's superclass names; null for CIFAR-10, whose records carry one label.</summary>
    public string? CoarseNamesFile { get; }

    /// <summary>Label bytes before each picture: 1 for CIFAR-10, 2 (coarse then fine) for CIFAR-100.</summary>
    public int LabelBytes => CoarseNamesFile is null ? 1 : 2;

    /// <summary>Bytes of one record: its labels and its picture.</summary>
    public int RecordBytes => LabelBytes + ImageBytes;

    /// <summary>Every file of the set as the archive holds it: records first, then names.</summary>
    public IReadOnlyList<string> AllFiles =>
        [.. TrainFiles, .. TestFiles, FineNamesFile, .. CoarseNamesFile is null ? Array.Empty<string>() : [CoarseNamesFile]];

    /// <summary>The archive's file name on the home page.</summary>
    public string ArchiveName { get; }

    /// <summary>The MD5 of the archive, as the home page lists it.</summary>
    public string ArchiveMd5 { get; }

    /// <summary>The one folder the archive unpacks into.</summary>
    public string ArchiveFolder { get; }

    /// <summary>Where the archive is downloaded from: next to the home page.</summary>
    public Uri ArchiveUrl => new(HomePage, ArchiveName);

    /// <summary>Files of the Python version (pickles) that the binary version lacks: what a folder of the wrong version holds.</summary>
    public IReadOnlyList<string> PythonVersionFiles { get; }

    /// <summary>The Python version's archive, named in the message that tells the versions apart.</summary>
    public string PythonArchiveName { get; }

    public override string ToString() => Name;
}
