using SkiaSharp;
using Xunit;

namespace Descent.Tests.Host;

/// <summary>Checks a picture Descent wrote by decoding it, as an image viewer would.</summary>
public static class PngFile
{
    private static readonly byte[] Signature = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    /// <summary>Asserts that <paramref name="path"/> is a PNG that decodes whole to <paramref name="width"/> x <paramref name="height"/> pixels.</summary>
    public static void AssertReadable(string path, int width, int height)
    {
        Assert.True(File.Exists(path), $"{path} was not written");
        var bytes = File.ReadAllBytes(path);
        Assert.True(bytes.AsSpan().StartsWith(Signature), $"{path} does not start with the PNG signature");
        using var bitmap = SKBitmap.Decode(bytes);
        Assert.True(bitmap is not null, $"{path} does not decode as an image");
        Assert.Equal((width, height), (bitmap.Width, bitmap.Height));
        // A picture with something drawn on it has more than one colour.
        Assert.True(bitmap.Pixels.Distinct().Skip(1).Any(), $"{path} is a single colour");
    }
}
