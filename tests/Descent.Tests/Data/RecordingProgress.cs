namespace Descent.Tests.Data;

/// <summary>Keeps every progress message, synchronously (Progress&lt;T&gt; would post them later on the thread pool).</summary>
public sealed class RecordingProgress : IProgress<string>
{
    private readonly List<string> _messages = [];

    public IReadOnlyList<string> Messages
    {
        get
        {
            lock (_messages)
            {
                return [.. _messages];
            }
        }
    }

    public void Report(string value)
    {
        lock (_messages)
        {
            _messages.Add(value);
        }
    }
}
