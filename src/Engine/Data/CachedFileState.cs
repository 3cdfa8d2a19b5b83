namespace Descent.Engine.Data;

/// <summary>What the cache holds for one file.</summary>
public enum CachedFileState
{
    /// <summary>Present, and its SHA-256 is the published one.</summary>
    Ok,

    /// <summary>Not in the cache folder.</summary>
    Missing,

    /// <summary>Present, but its SHA-256 differs: damaged or a different file; it is reported, never silently replaced.</summary>
    BadChecksum,
}
