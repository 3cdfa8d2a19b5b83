using Descent.Kernels;
using SkiaSharp;

namespace Descent.Engine.Data;

/// <summary>One picture decoded: its size, whether it is grey, and its pixels (one plane when grey, else red, green and blue planes).</summary>
public sealed record DecodedPicture(int Width, int Height, bool Grey, byte[] Planes)
{
    /// <summary>
    /// The picture as <paramref name="channels"/> planes: a grey picture's one plane, repeated for a colour input; a colour
    /// picture's three planes, or for a grey input ITU-R 601 luma in integers, rounded: (299 R + 587 G + 114 B + 500) / 1000.
    /// </summary>
    public byte[] AsChannels(int channels)
    {
        var plane = Width * Height;
        var pixels = new byte[channels * plane];
        if (channels == 1)
        {
            if (Grey)
            {
                Planes.CopyTo(pixels, 0);
            }
            else
            {
                for (var p = 0; p < plane; p++)
                {
                    pixels[p] = (byte)((299 * Planes[p] + 587 * Planes[plane + p] + 114 * Planes[2 * plane + p] + 500) / 1000);
                }
            }
            return pixels;
        }
        for (var c = 0; c < channels; c++)
        {
            (Grey ? Planes.AsSpan() : Planes.AsSpan(c * plane, plane)).CopyTo(pixels.AsSpan(c * plane, plane));
        }
        return pixels;
    }
}

/// <summary>
/// How Descent reads a picture as its pixels, for a tree of pictures (<see cref="PictureFolderLoader"/>) and for `descent predict`
/// alike, so that a model sees a picture to classify exactly as it saw its training pictures: decoded by SkiaSharp to RGBA
/// (alpha ignored), stretched to the size asked by SkiaSharp's Mitchell cubic filter (the aspect ratio is not kept, as
/// fastai's Resize(method='squish')), grey when R = G = B in every pixel.
/// </summary>
public static class PictureDecoder
{
    /// <summary>
    /// The picture in <paramref name="encoded"/>, resized to <paramref name="size"/> when given and different; a picture that does
    /// not decode, or has more than <paramref name="maxPixels"/> pixels, is bad input naming <paramref name="source"/>.
    /// </summary>
    public static DecodedPicture Decode(byte[] encoded, string source, (int Width, int Height)? size, long maxPixels)
    {
        if (encoded.Length == 0)
        {
            throw new InvalidInputException($"{source} is empty, not an image");
        }
        using var data = SKData.CreateCopy(encoded);
        using var codec = SKCodec.Create(data)
            ?? throw new InvalidInputException($"{source} is not an image SkiaSharp can decode (PNG, JPEG, BMP, WebP, GIF)");
        if ((long)codec.Info.Width * codec.Info.Height > maxPixels)
        {
            throw new InvalidInputException($"{source} is {codec.Info.Width} x {codec.Info.Height} pixels, more than the {maxPixels} Descent decodes");
        }
        var info = new SKImageInfo(codec.Info.Width, codec.Info.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        using var bitmap = new SKBitmap(info);
        var result = codec.GetPixels(info, bitmap.GetPixels());
        if (result != SKCodecResult.Success)
        {
            throw new InvalidInputException(
                $"{source} is a {codec.EncodedFormat.ToString().ToUpperInvariant()} image that is truncated or corrupt ({result})");
        }
        if (size is { } wanted && (wanted.Width != info.Width || wanted.Height != info.Height))
        {
            var resizedInfo = new SKImageInfo(wanted.Width, wanted.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
            using var resized = bitmap.Resize(resizedInfo, new SKSamplingOptions(SKCubicResampler.Mitchell))
                ?? throw new InvalidInputException($"{source} cannot be resized to {wanted.Width} x {wanted.Height}");
            return Planes(resized.GetPixelSpan(), wanted.Width, wanted.Height);
        }
        return Planes(bitmap.GetPixelSpan(), info.Width, info.Height);
    }

    /// <summary>RGBA pixels as one grey plane when R = G = B everywhere, else as red, green and blue planes.</summary>
    private static DecodedPicture Planes(ReadOnlySpan<byte> rgba, int width, int height)
    {
        var plane = width * height;
        var grey = true;
        for (var p = 0; p < plane && grey; p++)
        {
            grey = rgba[4 * p] == rgba[4 * p + 1] && rgba[4 * p] == rgba[4 * p + 2];
        }
        var planes = new byte[grey ? plane : 3 * plane];
        for (var p = 0; p < plane; p++)
        {
            planes[p] = rgba[4 * p];
            if (!grey)
            {
                planes[plane + p] = rgba[4 * p + 1];
                planes[2 * plane + p] = rgba[4 * p + 2];
            }
        }
        return new DecodedPicture(width, height, grey, planes);
    }
}
