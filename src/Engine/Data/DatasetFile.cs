namespace Descent.Engine.Data;

/// <summary>One of a dataset family's four IDX files: its standard name and the SHA-256 of its uncompressed bytes.</summary>
public sealed record DatasetFile(string Name, string Sha256);
