using SkiaSharp;

namespace Descent.Tests.Data;

/// <summary>Pictures made in tests with SkiaSharp and encoded as a PNG or JPEG file would hold them.</summary>
public static class Pictures
{
    /// <summary>
    /// A grey image (<paramref name="side"/> x <paramref name="side"/> bytes, 0 background to 255 ink, as MNIST
    /// stores digits) drawn in <paramref name="ink"/> on <paramref name="paper"/>, each pixel a
    /// <paramref name="scale"/> x <paramref name="scale"/> block, at (<paramref name="left"/>, <paramref name="top"/>)
    /// of a <paramref name="width"/> x <paramref name="height"/> canvas.
    /// </summary>
    public static SKBitmap Draw(ReadOnlySpan<byte> image, int side, int scale, SKColor paper, SKColor ink, int width, int height, int left, int top)
    {
        var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        bitmap.Erase(paper);
        for (var y = 0; y < side * scale; y++)
        {
            for (var x = 0; x < side * scale; x++)
            {
                var amount = image[y / scale * side + x / scale] / 255f;
                bitmap.SetPixel(left + x, top + y, Mix(paper, ink, amount));
            }
        }
        return bitmap;
    }

    /// <summary>A filled <paramref name="rectangle"/> of <paramref name="ink"/> on a <paramref name="width"/> x <paramref name="height"/> canvas of <paramref name="paper"/>.</summary>
    public static SKBitmap Rectangle(int width, int height, SKColor paper, SKColor ink, SKRectI rectangle)
    {
        var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        bitmap.Erase(paper);
        for (var y = rectangle.Top; y < rectangle.Bottom; y++)
        {
            for (var x = rectangle.Left; x < rectangle.Right; x++)
            {
                bitmap.SetPixel(x, y, ink);
            }
        }
        return bitmap;
    }

    /// <summary>The bitmap as the bytes of a PNG (lossless) or JPEG (quality 90) file.</summary>
    public static byte[] Encode(SKBitmap bitmap, SKEncodedImageFormat format)
    {
        using var image = SKImage.FromBitmap(bitmap);
        using var data = image.Encode(format, 90);
        return data.ToArray();
    }

    /// <summary>The colour <paramref name="amount"/> of the way from <paramref name="from"/> to <paramref name="to"/>, channel by channel.</summary>
    private static SKColor Mix(SKColor from, SKColor to, float amount)
    {
        byte Channel(byte a, byte b) => (byte)Math.Round(a + (b - a) * amount);
        return new SKColor(Channel(from.Red, to.Red), Channel(from.Green, to.Green), Channel(from.Blue, to.Blue), Channel(from.Alpha, to.Alpha));
    }
}
