using System.Security.Cryptography;
using Descent.Engine.Data;

namespace Descent.Tests.Data;

/// <summary>
/// A made-up dataset family of four tiny IDX files with their real SHA-256s, so that cache and source
/// tests run on bytes they know, offline.
/// </summary>
public static class TinyFamily
{
    /// <summary>Each file's bytes by its standard name: 3 training and 2 test images of 2 x 2, labels 0 and 1.</summary>
    public static IReadOnlyDictionary<string, byte[]> Files { get; } = new Dictionary<string, byte[]>
    {
        [IdxFileNames.TrainImages] = IdxBytes.Images(3, 2, 2, IdxBytes.NumberedPixels(3, 2, 2)),
        [IdxFileNames.TrainLabels] = IdxBytes.Labels(0, 1, 0),
        [IdxFileNames.TestImages] = IdxBytes.Images(2, 2, 2, IdxBytes.NumberedPixels(2, 2, 2)),
        [IdxFileNames.TestLabels] = IdxBytes.Labels(1, 0),
    };

    /// <summary>The family "tiny", whose missing files come from <paramref name="sources"/> in order.</summary>
    public static DatasetFamily With(params IDatasetSource[] sources) => new(
        "tiny", "Tiny", ["zero", "one"],
        IdxFileNames.All.Select(name => Convert.ToHexStringLower(SHA256.HashData(Files[name]))).ToList(),
        sources);

    /// <summary>
    /// Writes the files named <paramref name="names"/> (all four when none are named) into
    /// <paramref name="folder"/>, gzipped with .gz added when <paramref name="gzip"/> is set.
    /// </summary>
    public static string WriteTo(string folder, bool gzip = false, params string[] names)
    {
        Directory.CreateDirectory(folder);
        foreach (var name in names.Length > 0 ? names : IdxFileNames.All)
        {
            File.WriteAllBytes(Path.Combine(folder, gzip ? name + ".gz" : name), gzip ? IdxBytes.Gzip(Files[name]) : Files[name]);
        }

        return folder;
    }
}
