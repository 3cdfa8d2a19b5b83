using System.Security.Cryptography;
using Descent.Engine.Data;
using Descent.Kernels;
using Xunit;

namespace Descent.Tests.Data;

/// <summary>
/// The CIFAR cache against a dataset host on the loopback address serving a small archive in the home page's
/// layout: the archive is checked by its MD5 before anything is unpacked, the unpacked files are recorded with
/// their SHA-256s and checked against that record on every use, and sources are tried in order as MNIST's are.
/// </summary>
public sealed class CifarCacheTests : IDisposable
{
    private readonly TemporaryFolder folder = new();
    private readonly byte[] archive;
    private readonly string archiveMd5;

    public CifarCacheTests()
    {
        var files = folder.File("files");
        CifarBytes.WriteCifar10(files);
        archive = CifarBytes.Archive(files, "cifar-10-batches-bin");
        archiveMd5 = Convert.ToHexStringLower(MD5.HashData(archive));
    }

    private string Root => folder.File("root");

    private string CacheFolder => Path.Combine(Root, "cifar-10");

    public void Dispose() => folder.Dispose();

    private CifarCache Cache(params Uri[] urls) =>
        new(CifarFormat.Cifar10, Root, urls, progress: null, archiveMd5, TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(30));

    [Fact]
    public async Task A_good_archive_is_unpacked_recorded_and_not_fetched_again()
    {
        using var server = new LoopbackServer(new Dictionary<string, byte[]> { ["kriz/cifar-10-binary.tar.gz"] = archive });
        var cache = Cache(server.UrlOf("kriz/cifar-10-binary.tar.gz"));

        var stored = await cache.EnsureAsync();
        var splits = await DatasetLoader.LoadAsync(DatasetName.Cifar10, DataLocation.InCache(cache));
        await cache.EnsureAsync();

        Assert.Equal(CacheFolder, stored);
        Assert.Equal(1, server.Requests);
        Assert.All(cache.Verify(), status => Assert.Equal(CachedFileState.Ok, status.State));
        Assert.Equal(10, splits.Train.Count);
        // The files, their manifest, and nothing else: the archive is gone once unpacked.
        Assert.Equal(
            CifarFormat.Cifar10.AllFiles.Append(CifarCache.ManifestName).Order(StringComparer.Ordinal),
            Directory.GetFiles(CacheFolder).Select(path => Path.GetFileName(path)).Order(StringComparer.Ordinal));
        var manifest = File.ReadAllText(Path.Combine(CacheFolder, CifarCache.ManifestName));
        Assert.Contains(Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(Path.Combine(CacheFolder, "test_batch.bin")))), manifest);
    }

    [Fact]
    public async Task An_archive_with_the_wrong_md5_is_refused_and_the_next_source_tried()
    {
        var damaged = archive.ToArray();
        damaged[^1] ^= 0xFF;
        using var server = new LoopbackServer(new Dictionary<string, byte[]>
        {
            ["bad/cifar-10-binary.tar.gz"] = damaged,
            ["good/cifar-10-binary.tar.gz"] = archive,
        });

        await Cache(server.UrlOf("bad/cifar-10-binary.tar.gz"), server.UrlOf("good/cifar-10-binary.tar.gz")).EnsureAsync();

        Assert.Equal(2, server.Requests);
        Assert.True(File.Exists(Path.Combine(CacheFolder, "data_batch_5.bin")));
    }

    [Fact]
    public async Task When_every_source_fails_it_is_unavailable_and_nothing_is_written()
    {
        var damaged = archive.ToArray();
        damaged[^1] ^= 0xFF;
        using var server = new LoopbackServer(new Dictionary<string, byte[]> { ["bad/cifar-10-binary.tar.gz"] = damaged });
        var bad = server.UrlOf("bad/cifar-10-binary.tar.gz");
        var missing = server.UrlOf("none/cifar-10-binary.tar.gz");

        var error = await Assert.ThrowsAsync<DataUnavailableException>(() => Cache(bad, missing).EnsureAsync());

        Assert.Equal(FailureKind.Unavailable, error.Kind);
        Assert.Contains($"{bad}: wrong MD5", error.Message);
        Assert.Contains($"{missing}: HTTP 404", error.Message);
        Assert.Contains("Download it from https://www.cs.toronto.edu/~kriz/cifar.html", error.Message);
        Assert.Empty(Directory.GetFiles(CacheFolder));
    }

    [Fact]
    public async Task A_damaged_file_is_reported_and_replaced_only_when_forced()
    {
        using var server = new LoopbackServer(new Dictionary<string, byte[]> { ["cifar-10-binary.tar.gz"] = archive });
        var cache = Cache(server.UrlOf("cifar-10-binary.tar.gz"));
        await cache.EnsureAsync();
        var batch = Path.Combine(CacheFolder, "data_batch_2.bin");
        var original = File.ReadAllBytes(batch);
        File.WriteAllBytes(batch, [.. original[..^1], (byte)(original[^1] ^ 1)]);

        var error = await Assert.ThrowsAsync<InvalidInputException>(() => cache.EnsureAsync());
        await cache.EnsureAsync(force: true);

        Assert.Equal($"{batch} fails its recorded checksum; run 'descent data fetch --dataset cifar-10 --force' to replace it", error.Message);
        Assert.Equal(original, File.ReadAllBytes(batch));
        Assert.Equal(2, server.Requests);
    }
}
