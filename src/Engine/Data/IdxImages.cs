namespace Descent.Engine.Data;

/// <summary>The contents of an IDX image file: <paramref name="Count"/> images of
/// <paramref name="Rows"/> x <paramref name="Cols"/> bytes, one after another, row-major.</summary>
public sealed record IdxImages(byte[] Pixels, int Count, int Rows, int Cols);
