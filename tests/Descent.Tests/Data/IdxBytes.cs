using System.Buffers.Binary;
using System.IO.Compression;

namespace Descent.Tests.Data;

/// <summary>Hand-made IDX files for tests: header and bytes exactly as the format lays them out.</summary>
public static class IdxBytes
{
    /// <summary>An IDX image file of <paramref name="count"/> x <paramref name="rows"/> x <paramref name="cols"/> holding <paramref name="pixels"/>.</summary>
    public static byte[] Images(int count, int rows, int cols, byte[] pixels) => File(0x00000803, [count, rows, cols], pixels);

    /// <summary>An IDX label file holding <paramref name="labels"/>.</summary>
    public static byte[] Labels(params byte[] labels) => File(0x00000801, [labels.Length], labels);

    /// <summary>Any magic, any declared dimensions, any data, so that broken files can be made too.</summary>
    public static byte[] File(int magic, int[] dimensions, byte[] data)
    {
        var bytes = new byte[4 + 4 * dimensions.Length + data.Length];
        BinaryPrimitives.WriteInt32BigEndian(bytes, magic);
        for (var i = 0; i < dimensions.Length; i++)
        {
            BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4 + 4 * i), dimensions[i]);
        }

        data.CopyTo(bytes, 4 + 4 * dimensions.Length);
        return bytes;
    }

    /// <summary>A seeded random <paramref name="count"/> of <paramref name="data"/>'s images as a prefix-images-idx3-ubyte and prefix-labels-idx1-ubyte pair.</summary>
    public static void WriteSubset(Descent.Engine.Data.ImageDataset data, int count, string prefix, int seed)
    {
        var indices = Enumerable.Range(0, data.Count).ToArray();
        new Random(seed).Shuffle(indices);
        var subset = data.Subset(indices[..count]);
        System.IO.File.WriteAllBytes($"{prefix}-images-idx3-ubyte", Images(count, subset.ImageRows, subset.ImageCols, subset.Pixels));
        System.IO.File.WriteAllBytes($"{prefix}-labels-idx1-ubyte", Labels(subset.Labels.Select(label => (byte)label).ToArray()));
    }

    public static byte[] Gzip(byte[] bytes)
    {
        using var compressed = new MemoryStream();
        using (var gzip = new GZipStream(compressed, CompressionLevel.Fastest))
        {
            gzip.Write(bytes);
        }

        return compressed.ToArray();
    }

    /// <summary><paramref name="count"/> images of <paramref name="rows"/> x <paramref name="cols"/> whose every pixel is the image's index, so tests can tell images apart.</summary>
    public static byte[] NumberedPixels(int count, int rows, int cols) =>
        Enumerable.Range(0, count).SelectMany(image => Enumerable.Repeat((byte)image, rows * cols)).ToArray();
}
