using System.Globalization;
using Descent.Kernels;

namespace Descent.Engine.Data;

/// <summary>
/// How a tree's pictures become images: <paramref name="Channels"/> 1 (grey) or 3 (colour), null to take 1 when every picture is
/// grey and 3 otherwise; <paramref name="Size"/> the width and height every picture is resized to, null to keep their own
/// (which must then agree).
/// </summary>
public sealed record PictureFolderOptions(int? Channels = null, (int Width, int Height)? Size = null)
{
    /// <summary>Checks the values the command line gave: channels 1 or 3, a size of positive sides.</summary>
    public PictureFolderOptions Validate()
    {
        if (Channels is { } channels && channels != 1 && channels != 3)
        {
            throw new InvalidInputException($"--channels must be 1 (grey) or 3 (colour), got {channels}");
        }
        if (Size is { } size && (size.Width <= 0 || size.Height <= 0 || (long)size.Width * size.Height > 16_777_216))
        {
            throw new InvalidInputException($"--image-size must be two positive sides of at most 16M pixels in all, got {size.Width}x{size.Height}");
        }
        return this;
    }

    /// <summary>Reads --image-size's WxH ("32x32", "64X48"), width first, as the sizes of pictures are written.</summary>
    public static (int Width, int Height) ParseSize(string text)
    {
        var parts = text.Split('x', 'X');
        if (parts.Length == 2
            && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var width)
            && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var height)
            && width > 0 && height > 0)
        {
            return (width, height);
        }
        throw new InvalidInputException($"--image-size takes WxH in pixels, such as 32x32, got '{text}'");
    }

    /// <summary>The options in words, for the cache key and messages: "channels auto, size as found".</summary>
    public override string ToString() =>
        $"channels {Channels?.ToString(CultureInfo.InvariantCulture) ?? "auto"}, size {(Size is { } size ? $"{size.Width}x{size.Height}" : "as found")}";
}
