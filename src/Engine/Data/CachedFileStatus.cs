namespace Descent.Engine.Data;

/// <summary>One cached file as <see cref="MnistCache.Verify"/> found it.</summary>
public sealed record CachedFileStatus(MnistFile File, string Path, CachedFileState State);
