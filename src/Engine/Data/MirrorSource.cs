using System.IO.Compression;

namespace Descent.Engine.Data;

/// <summary>
/// Downloads MNIST's .gz files over HTTPS from public mirrors, trying them in order. A mirror that
/// cannot be reached at all (no DNS, no connection, no answer in time) is not asked again for the
/// other files, so a machine without internet fails after one short try per mirror.
/// </summary>
public sealed class MirrorSource(IReadOnlyList<Uri> mirrors, TimeSpan connectTimeout, TimeSpan fileTimeout) : IMnistSource
{
    /// <summary>The mirrors torchvision downloads MNIST from, over HTTPS.</summary>
    public static IReadOnlyList<Uri> TorchvisionMirrors { get; } =
    [
        new("https://ossci-datasets.s3.amazonaws.com/mnist/"),
        new("https://yann.lecun.com/exdb/mnist/"),
    ];

    /// <summary>torchvision's mirrors; 10 s to connect, 2 minutes to download each file.</summary>
    public MirrorSource()
        : this(TorchvisionMirrors, TimeSpan.FromSeconds(10), TimeSpan.FromMinutes(2))
    {
    }

    public string Description => "download mirrors";

    public async Task<string?> FetchAsync(
        IReadOnlyList<string> fileNames, MnistFileReceiver receive, IProgress<string>? progress, CancellationToken cancellation)
    {
        using var handler = new SocketsHttpHandler { ConnectTimeout = connectTimeout };
        using var client = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
        var unreachable = new HashSet<Uri>();
        var problems = new List<string>();
        var fetchedAll = true;
        foreach (var fileName in fileNames)
        {
            var fetched = false;
            foreach (var mirror in mirrors.Where(mirror => !unreachable.Contains(mirror)))
            {
                var url = new Uri(mirror, fileName + ".gz");
                progress?.Report($"downloading {url}");
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
                timeout.CancelAfter(fileTimeout);
                try
                {
                    using var response = await client.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
                    if (!response.IsSuccessStatusCode)
                    {
                        problems.Add($"{url} answered HTTP {(int)response.StatusCode}");
                        continue;
                    }

                    await using var body = await response.Content.ReadAsStreamAsync(timeout.Token);
                    await using var decompressed = new GZipStream(body, CompressionMode.Decompress);
                    if (await receive(fileName, decompressed, timeout.Token))
                    {
                        fetched = true;
                        break;
                    }
                }
                catch (HttpRequestException e) when (e.StatusCode is null)
                {
                    unreachable.Add(mirror);
                    problems.Add($"{url}: {e.Message}");
                }
                catch (OperationCanceledException) when (!cancellation.IsCancellationRequested)
                {
                    unreachable.Add(mirror);
                    problems.Add($"{url}: no complete answer within {connectTimeout.TotalSeconds:0} s to connect and {fileTimeout.TotalSeconds:0} s to download");
                }
                catch (Exception e) when (e is IOException or InvalidDataException)
                {
                    problems.Add($"{url}: {e.Message}");
                }
            }

            fetchedAll &= fetched;
        }

        // Each problem names the URL it came from, so the files not downloaded can be read from them.
        return fetchedAll ? null : problems.Count == 0 ? "no mirrors to try" : string.Join("; ", problems);
    }
}
