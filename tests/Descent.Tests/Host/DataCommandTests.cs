using Descent.Engine.Data;
using Descent.Tests.Data;
using Xunit;

namespace Descent.Tests.Host;

/// <summary>
/// The data-related command line: `descent data` per dataset, where each command looks for data, and
/// the bad inputs around it (an impossible $DESCENT_DATA, a file given as --data-dir). $DESCENT_DATA is
/// set only in child processes, since tests in this process share its environment.
/// </summary>
public sealed class DataCommandTests : IDisposable
{
    private readonly TemporaryFolder folder = new();

    public void Dispose() => folder.Dispose();

    public static TheoryData<string, string, string[]> UnwritableRoots => new()
    {
        { "file/below", "file is not a folder", ["data", "fetch", "--dataset", "fashion-mnist"] },
        { "file", "file is not a folder", ["data", "fetch", "--dataset", "mnist"] },
        { "/proc/descent-test-cache", "/proc/descent-test-cache cannot be created in /proc", ["data", "fetch", "--dataset", "mnist-3-7"] },
        { "file/below", "file is not a folder", ["train", "--dataset", "fashion-mnist", "--epochs", "0", "--backend", "reference"] },
        { "/proc/descent-test-cache", "cannot be created in /proc", ["baseline"] },
    };

    [Theory]
    [MemberData(nameof(UnwritableRoots))]
    public void An_unwritable_DESCENT_DATA_is_unavailable_and_names_the_cause(string root, string cause, string[] args)
    {
        File.WriteAllText(folder.File("file"), "not a folder");

        var outcome = DescentProcess.Run(new Dictionary<string, string> { ["DESCENT_DATA"] = Path.Combine(folder.Path, root) }, args);

        Assert.Equal(3, outcome.ExitCode);
        var error = Assert.Single(outcome.ErrorLines, line => line.StartsWith("descent: error: ", StringComparison.Ordinal));
        Assert.StartsWith("descent: error: cannot write the ", error);
        Assert.Contains(cause, error);
        Assert.Contains("set $DESCENT_DATA to a writable folder", error);
        Assert.DoesNotContain("internal failure", outcome.Error);
    }

    [SkippableFact]
    public void Data_list_names_every_dataset_with_its_cache_and_whether_it_is_complete()
    {
        // A cache root holding MNIST's four files as the fetcher verifies them, and nothing else.
        var mnist = new IdxCache(DatasetFamily.Mnist, DataLocation.DefaultCacheRoot());
        if (mnist.Verify().Any(status => status.State != CachedFileState.Ok))
        {
            throw RequiredData.Unavailable(DatasetFamily.Mnist, $"{mnist.Folder} is not complete");
        }
        Directory.CreateDirectory(Path.Combine(folder.Path, "mnist"));
        foreach (var file in IdxFileNames.All)
        {
            File.Copy(Path.Combine(mnist.Folder, file), Path.Combine(folder.Path, "mnist", file));
        }

        var outcome = DescentProcess.Run(new Dictionary<string, string> { ["DESCENT_DATA"] = folder.Path }, "data", "list");

        Assert.Equal(0, outcome.ExitCode);
        var rows = outcome.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal([.. DatasetName.All.Select(name => name.Name), DatasetName.FolderName], rows.Select(row => row.Split(' ')[0]));
        Assert.Contains("cached, verified", rows.Single(row => row.StartsWith("mnist ", StringComparison.Ordinal)));
        Assert.Contains("cached, verified", rows.Single(row => row.StartsWith("mnist-3-7 ", StringComparison.Ordinal)));
        Assert.Contains("not fetched", rows.Single(row => row.StartsWith("cifar-10 ", StringComparison.Ordinal)));
        Assert.Contains(Path.Combine(folder.Path, "fashion-mnist"), rows.Single(row => row.StartsWith("fashion-mnist ", StringComparison.Ordinal)));
    }

    [Fact]
    public void Data_verify_checks_the_fashion_mnist_folder_of_the_cache()
    {
        var outcome = DescentProcess.Run(new Dictionary<string, string> { ["DESCENT_DATA"] = folder.Path },
            "data", "verify", "--dataset", "fashion-mnist");

        Assert.Equal(2, outcome.ExitCode);
        var rows = outcome.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(IdxFileNames.All, rows.Select(row => row.Split(' ')[0]));
        Assert.All(rows, row => Assert.Contains(Path.Combine(folder.Path, "fashion-mnist") + "/", row));
        Assert.All(rows, row => Assert.Contains(" missing ", row));
        Assert.Contains("run 'descent data fetch --dataset fashion-mnist --force'", outcome.Error);
    }

    [SkippableFact]
    public void Data_fetch_fills_the_fashion_mnist_folder_from_its_sources()
    {
        // Where the mirrors are out of reach, Debian's package is the source: without either there is nothing to test.
        var debian = DatasetFamily.FashionMnist.Sources.OfType<FolderSource>().Single().Folder;
        var outcome = DescentProcess.Run(new Dictionary<string, string> { ["DESCENT_DATA"] = folder.Path },
            "data", "fetch", "--dataset", "fashion-mnist");
        if (outcome.ExitCode == 3 && !Directory.Exists(debian))
        {
            throw RequiredData.Unavailable(DatasetFamily.FashionMnist, outcome.Error);
        }

        Assert.Equal(0, outcome.ExitCode);
        Assert.Equal($"{Path.Combine(folder.Path, "fashion-mnist")}: all 4 Fashion-MNIST files present and verified", outcome.Output.Trim());
        Assert.Equal(IdxFileNames.All.Order(), Directory.GetFiles(Path.Combine(folder.Path, "fashion-mnist")).Select(Path.GetFileName).Order());
    }

    public static TheoryData<string[], string[], string> CorruptedCaches => new()
    {
        { [IdxFileNames.TrainLabels], ["data", "fetch", "--dataset", "fashion-mnist"], "fails its checksum" },
        { [IdxFileNames.TrainImages, IdxFileNames.TestLabels], ["data", "fetch", "--dataset", "fashion-mnist"], "fail their checksums" },
        { [IdxFileNames.TestImages], ["train", "--dataset", "fashion-mnist", "--backend", "reference"], "fails its checksum" },
    };

    [Theory]
    [MemberData(nameof(CorruptedCaches))]
    public void A_corrupted_cached_file_is_refused_before_any_fetch_and_kept(string[] corrupted, string[] args, string verb)
    {
        var cached = Path.Combine(folder.Path, "fashion-mnist");
        Directory.CreateDirectory(cached);
        foreach (var name in corrupted)
        {
            File.WriteAllBytes(Path.Combine(cached, name), IdxBytes.Labels(1, 2, 3));
        }

        var outcome = DescentProcess.Run(new Dictionary<string, string> { ["DESCENT_DATA"] = folder.Path }, args);

        Assert.Equal(2, outcome.ExitCode);
        var error = outcome.ErrorLines.Single(line => line.StartsWith("descent: error: ", StringComparison.Ordinal));
        Assert.Contains(Path.Combine(cached, corrupted[0]), error);
        Assert.EndsWith($"{verb}; run 'descent data fetch --dataset fashion-mnist --force' to replace {(corrupted.Length == 1 ? "it" : "them")}", error);
        Assert.All(corrupted, name => Assert.Equal(IdxBytes.Labels(1, 2, 3), File.ReadAllBytes(Path.Combine(cached, name))));
    }

    public static TheoryData<string[]> CommandsReadingData => new()
    {
        { ["train", "--backend", "reference", "--epochs", "1"] },
        { ["train", "--dataset", "fashion-mnist", "--backend", "reference", "--epochs", "1"] },
        { ["baseline"] },
        { ["bench", "--backend", "reference", "--epochs", "1"] },
    };

    [Theory]
    [MemberData(nameof(CommandsReadingData))]
    public void A_regular_file_as_data_dir_is_not_a_folder(string[] args)
    {
        var file = folder.File("train-images-idx3-ubyte");
        File.WriteAllText(file, "an image file, not a folder");

        var outcome = CommandLine.Run([.. args, "--data-dir", file]);

        Assert.Equal(2, outcome.ExitCode);
        Assert.Equal($"descent: error: data folder {file} is not a folder: name the folder that holds the four IDX files",
            outcome.ErrorLines.Single());
    }

    [Fact]
    public void A_device_as_data_dir_is_not_a_folder()
    {
        var outcome = CommandLine.Run("train", "--backend", "reference", "--data-dir", "/dev/null");

        Assert.Equal(2, outcome.ExitCode);
        Assert.StartsWith("descent: error: data folder /dev/null is not a folder", outcome.ErrorLines.Single());
    }

    public static TheoryData<string[], string> DataDirHelp => new()
    {
        { ["train", "--help"], "for mnist and mnist-3-7" },
        { ["train", "--help"], "for fashion-mnist" },
        { ["eval", "--help"], "for fashion-mnist" },
        { ["baseline", "--help"], "for mnist-3-7" },
        { ["bench", "--help"], "for mnist" },
        { ["data", "--help"], "for fashion-mnist" },
    };

    [Theory]
    [MemberData(nameof(DataDirHelp))]
    public void Help_names_the_default_data_folder_as_the_cache_computes_it(string[] args, string datasets)
    {
        var family = datasets.Contains("fashion") ? DatasetFamily.FashionMnist : DatasetFamily.Mnist;
        var expected = $"{IdxCache.FolderFor(DataLocation.DefaultCacheRoot(), family)} {datasets}";

        var outcome = CommandLine.Run(args);

        Assert.Equal(0, outcome.ExitCode);
        // The help wraps long descriptions; the folder is looked for with the wrapping undone.
        var unwrapped = string.Join(' ', outcome.Output.Split((char[])[' ', '\n', '\r'], StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains(expected, unwrapped);
        Assert.Contains("$DESCENT_DATA, else ~/.cache/descent", unwrapped);
    }

    [Theory]
    [InlineData("fashion-mnist")]
    [InlineData("mnist")]
    public void The_baseline_refuses_datasets_other_than_3s_and_7s(string dataset)
    {
        DigitFolder.Write(folder, train: 20, test: 10);

        var outcome = CommandLine.Run("baseline", "--dataset", dataset, "--data-dir", folder.Path);

        Assert.Equal(2, outcome.ExitCode);
        Assert.Equal($"descent: error: the baseline compares ideal 3s and 7s, so it runs on mnist-3-7 only, not on {dataset}",
            outcome.ErrorLines.Single());
    }
}
