using System.IO.Compression;

namespace Descent.Engine.Data;

/// <summary>
/// Downloads a dataset's .gz files from public mirrors, trying them in order and saying why one failed
/// before trying the next. A mirror that cannot be reached at all (no DNS, no connection, no answer in
/// time) is not asked again for the other files, so a machine without internet fails after one short
/// try per mirror.
/// </summary>
public sealed class MirrorSource(IReadOnlyList<Uri> mirrors, TimeSpan connectTimeout, TimeSpan fileTimeout) : IDatasetSource
{
    /// <summary><paramref name="mirrors"/> with 10 s to connect and 2 minutes to download each file.</summary>
    public MirrorSource(IReadOnlyList<Uri> mirrors)
        : this(mirrors, TimeSpan.FromSeconds(10), TimeSpan.FromMinutes(2))
    {
    }

    /// <summary>The folders the files are downloaded from, in the order they are tried.</summary>
    public IReadOnlyList<Uri> Mirrors => mirrors;

    public string Description => "download mirrors";

    public async Task<string?> FetchAsync(
        IReadOnlyList<string> fileNames, DatasetFileReceiver receive, IProgress<string>? progress, CancellationToken cancellation)
    {
        using var handler = new SocketsHttpHandler { ConnectTimeout = connectTimeout };
        using var client = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
        var unreachable = new HashSet<Uri>();
        var problems = new List<string>();
        var fetchedAll = true;
        foreach (var fileName in fileNames)
        {
            var fetched = false;
            var candidates = mirrors.Where(mirror => !unreachable.Contains(mirror)).ToList();
            for (var i = 0; i < candidates.Count && !fetched; i++)
            {
                var url = new Uri(candidates[i], fileName + ".gz");
                progress?.Report($"downloading {url}");
                var problem = await DownloadAsync(client, url, fileName, receive, cancellation);
                if (problem is null)
                {
                    fetched = true;
                    continue;
                }

                if (problem.MirrorUnreachable)
                {
                    unreachable.Add(candidates[i]);
                }

                problems.Add($"{url}: {problem.Reason}");
                if (i + 1 < candidates.Count)
                {
                    progress?.Report($"mirror {url} failed: {problem.Reason}; trying {new Uri(candidates[i + 1], fileName + ".gz")}");
                }
            }

            fetchedAll &= fetched;
        }

        // Each problem names the URL it came from, so the files not downloaded can be read from them.
        return fetchedAll ? null : problems.Count == 0 ? "no mirrors to try" : string.Join("; ", problems);
    }

    private sealed record Problem(string Reason, bool MirrorUnreachable);

    /// <summary>Null once the file was handed over and accepted; else why not.</summary>
    private async Task<Problem?> DownloadAsync(
        HttpClient client, Uri url, string fileName, DatasetFileReceiver receive, CancellationToken cancellation)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        timeout.CancelAfter(fileTimeout);
        try
        {
            using var response = await client.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            if (!response.IsSuccessStatusCode)
            {
                return new Problem($"HTTP {(int)response.StatusCode}", MirrorUnreachable: false);
            }

            await using var body = await response.Content.ReadAsStreamAsync(timeout.Token);
            await using var decompressed = new GZipStream(body, CompressionMode.Decompress);
            return await receive(fileName, decompressed, timeout.Token) ? null : new Problem("wrong checksum", MirrorUnreachable: false);
        }
        catch (HttpRequestException e) when (e.StatusCode is null)
        {
            return new Problem(e.Message, MirrorUnreachable: true);
        }
        catch (OperationCanceledException) when (!cancellation.IsCancellationRequested)
        {
            return new Problem(
                $"no complete answer within {connectTimeout.TotalSeconds:0} s to connect and {fileTimeout.TotalSeconds:0} s to download",
                MirrorUnreachable: true);
        }
        catch (Exception e) when (e is IOException or InvalidDataException)
        {
            return new Problem(e.Message, MirrorUnreachable: false);
        }
    }
}
