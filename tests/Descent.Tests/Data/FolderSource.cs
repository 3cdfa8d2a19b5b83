using Descent.Engine.Data;

namespace Descent.Tests.Data;

/// <summary>A source that hands over whatever files a local folder holds, for cache tests that must not touch the network.</summary>
public sealed class FolderSource(string folder) : IMnistSource
{
    public string Description => $"folder {folder}";

    public async Task<string?> FetchAsync(
        IReadOnlyList<string> fileNames, MnistFileReceiver receive, IProgress<string>? progress, CancellationToken cancellation)
    {
        var missing = new List<string>();
        foreach (var fileName in fileNames)
        {
            var path = Path.Combine(folder, fileName);
            if (!File.Exists(path))
            {
                missing.Add(fileName);
                continue;
            }

            await using var stream = File.OpenRead(path);
            await receive(fileName, stream, cancellation);
        }

        return missing.Count == 0 ? null : $"no {string.Join(", ", missing)}";
    }
}
