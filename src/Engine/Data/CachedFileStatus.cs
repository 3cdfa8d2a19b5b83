namespace Descent.Engine.Data;

/// <summary>One cached file as <see cref="IdxCache.Verify"/> found it.</summary>
public sealed record CachedFileStatus(DatasetFile File, string Path, CachedFileState State);
