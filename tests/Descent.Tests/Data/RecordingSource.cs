using Descent.Engine.Data;

namespace Descent.Tests.Data;

/// <summary>Passes every request on to <paramref name="inner"/> and remembers which files each one asked for, in order.</summary>
public sealed class RecordingSource(IDatasetSource inner) : IDatasetSource
{
    private readonly List<IReadOnlyList<string>> _requests = [];

    public IReadOnlyList<IReadOnlyList<string>> Requests => _requests;

    public string Description => inner.Description;

    public Task<string?> FetchAsync(
        IReadOnlyList<string> fileNames, DatasetFileReceiver receive, IProgress<string>? progress, CancellationToken cancellation)
    {
        _requests.Add([.. fileNames]);
        return inner.FetchAsync(fileNames, receive, progress, cancellation);
    }
}
