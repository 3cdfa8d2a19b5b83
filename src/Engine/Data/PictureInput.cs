using Descent.Kernels;
using SkiaSharp;

namespace Descent.Engine.Data;

/// <summary>
/// Turns a picture of a digit (PNG or JPEG, or anything else SkiaSharp decodes; grey or colour, any size)
/// into the pixels an MNIST model expects: one byte per pixel, the digit light on a black background,
/// prepared the way MNIST's own images were.
/// </summary>
/// <remarks>
/// MNIST did not just shrink NIST's scans: each digit was scaled, keeping its aspect, to fit a 20x20 box,
/// then placed in the 28x28 frame so that its centre of mass sits at the frame's centre. A model trained on
/// it has only ever seen digits of that size in that place, so a drawn digit shrunk whole into 28x28 (small,
/// off-centre, on a grey paper background) is classified far worse than the same digit framed as MNIST
/// frames it. So the steps are:
/// <list type="number">
/// <item>Luminance: ITU-R 601 luma (0.299 R + 0.587 G + 0.114 B, what PIL's convert("L") computes, the
/// lesson's way of reading an image), transparent pixels laid over white paper, since a digit drawn on a
/// transparent canvas is ink on paper.</item>
/// <item>Polarity: the background is what the border shows (its median, so a stroke touching the edge does
/// not move it). A border brighter than the picture's mean means dark ink on light paper, which is
/// inverted to MNIST's light ink on black.</item>
/// <item>Levels: the background becomes 0 and the strongest ink 255, so a photo's grey paper and faded
/// pencil look like MNIST's black background and full strokes. A picture whose ink stands less than
/// <see cref="MinimumContrast"/> above its background holds no digit and gives an all-black frame.</item>
/// <item>Framing: the ink's bounding box (pixels at least <see cref="InkThreshold"/> of the way from
/// background to the strongest ink: the anti-aliased edges of a stroke count, JPEG ringing and paper grain
/// do not) is scaled, keeping its aspect, to fit a box of 20/28 of the frame (20x20 in 28x28) by area
/// averaging, which anti-aliases as MNIST's normalisation did; then shifted by whole pixels so that its
/// centre of mass lands on the frame's centre pixel, (14, 14) in 28x28, as MNIST's digits were.</item>
/// </list>
/// </remarks>
public static class PictureInput
{
    /// <summary>The side of MNIST's digit box within its frame: 20 pixels of 28.</summary>
    public const double DigitBoxFraction = 20.0 / 28.0;

    /// <summary>Ink this far (of 255) above the background at the least; below that the picture is blank.</summary>
    public const float MinimumContrast = 32f;

    /// <summary>The fraction of the background-to-ink range from which a pixel counts towards the ink's bounding box.</summary>
    public const float InkThreshold = 0.2f;

    /// <summary>Larger pictures are refused rather than decoded: their pixels alone would take gigabytes.</summary>
    public const long MaxPixels = 100_000_000;

    /// <summary>The picture in <paramref name="path"/> as <paramref name="height"/> x <paramref name="width"/> MNIST pixels, row-major.</summary>
    public static byte[] Read(string path, int height, int width) => FromEncoded(ReadFile(path), path, height, width);

    /// <summary>The bytes of the picture file <paramref name="path"/>; a folder or a file that cannot be read is bad input.</summary>
    internal static byte[] ReadFile(string path)
    {
        if (Directory.Exists(path))
        {
            throw new InvalidInputException($"{path} is a folder, not an image");
        }
        try
        {
            return File.ReadAllBytes(path);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            throw new InvalidInputException($"cannot read {path}: {error.Message}", error);
        }
    }

    /// <summary>An encoded picture (the bytes of a PNG or JPEG file) as MNIST pixels; <paramref name="source"/> names it in errors.</summary>
    public static byte[] FromEncoded(byte[] encoded, string source, int height, int width)
    {
        var (luminance, pictureWidth, pictureHeight) = Decode(encoded, source);
        return FromLuminance(luminance, pictureWidth, pictureHeight, height, width);
    }

    /// <summary>
    /// A grey picture as seen (row-major, 0 black to 255 white, <paramref name="pictureWidth"/> x
    /// <paramref name="pictureHeight"/>) as <paramref name="height"/> x <paramref name="width"/> MNIST pixels.
    /// </summary>
    public static byte[] FromLuminance(ReadOnlySpan<float> luminance, int pictureWidth, int pictureHeight, int height, int width)
    {
        if (pictureWidth <= 0 || pictureHeight <= 0 || luminance.Length != pictureWidth * pictureHeight)
        {
            throw new InvalidInputException($"{luminance.Length} pixels are not a {pictureWidth} x {pictureHeight} picture");
        }
        if (height <= 0 || width <= 0)
        {
            throw new InvalidInputException($"a model input of {height} x {width} pixels has no room for a picture");
        }
        var ink = Ink(luminance, pictureWidth, pictureHeight);
        var frame = new byte[height * width];
        if (ink is null)
        {
            return frame;
        }
        var (left, top, right, bottom) = InkBox(ink, pictureWidth, pictureHeight);
        var boxWidth = right - left;
        var boxHeight = bottom - top;
        var scale = Math.Min(width * DigitBoxFraction / boxWidth, height * DigitBoxFraction / boxHeight);
        var digitWidth = Math.Clamp((int)Math.Round(boxWidth * scale), 1, width);
        var digitHeight = Math.Clamp((int)Math.Round(boxHeight * scale), 1, height);
        var digit = AreaResample(ink, pictureWidth, left, top, boxWidth, boxHeight, digitWidth, digitHeight);
        PlaceByCentreOfMass(digit, digitWidth, digitHeight, frame, width, height);
        return frame;
    }

    /// <summary>The picture's luminance after laying it over white, with its size.</summary>
    private static (float[] Luminance, int Width, int Height) Decode(byte[] encoded, string source)
    {
        if (encoded.Length == 0)
        {
            throw new InvalidInputException($"{source} is empty, not an image");
        }
        using var data = SKData.CreateCopy(encoded);
        using var codec = SKCodec.Create(data)
            ?? throw new InvalidInputException($"{source} is not an image SkiaSharp can decode (PNG or JPEG)");
        var (width, height) = (codec.Info.Width, codec.Info.Height);
        if ((long)width * height > MaxPixels)
        {
            throw new InvalidInputException($"{source} is {width} x {height} pixels, more than the {MaxPixels} Descent decodes");
        }
        var info = new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        var rgba = new byte[info.BytesSize];
        var result = codec.GetPixels(info, rgba);
        if (result != SKCodecResult.Success)
        {
            throw new InvalidInputException(
                $"{source} is a {codec.EncodedFormat.ToString().ToUpperInvariant()} image that is truncated or corrupt ({result})");
        }
        var luminance = new float[width * height];
        for (var i = 0; i < luminance.Length; i++)
        {
            var luma = 0.299f * rgba[4 * i] + 0.587f * rgba[4 * i + 1] + 0.114f * rgba[4 * i + 2];
            var alpha = rgba[4 * i + 3] / 255f;
            luminance[i] = luma * alpha + 255f * (1f - alpha);
        }
        return (luminance, width, height);
    }

    /// <summary>
    /// Ink from 0 (background) to 255 (the strongest stroke), light on dark whatever the picture's polarity;
    /// null when nothing stands <see cref="MinimumContrast"/> above the background.
    /// </summary>
    private static float[]? Ink(ReadOnlySpan<float> luminance, int width, int height)
    {
        var border = new List<float>(2 * (width + height));
        for (var y = 0; y < height; y++)
        {
            // The top and bottom rows whole, the rows between by their two ends.
            var step = y == 0 || y == height - 1 ? 1 : Math.Max(width - 1, 1);
            for (var x = 0; x < width; x += step)
            {
                border.Add(luminance[y * width + x]);
            }
        }
        border.Sort();
        var background = border[border.Count / 2];
        double sum = 0;
        foreach (var value in luminance)
        {
            sum += value;
        }
        var darkOnLight = background > sum / luminance.Length;
        var ink = new float[luminance.Length];
        var backgroundInk = darkOnLight ? 255f - background : background;
        var strongest = float.NegativeInfinity;
        for (var i = 0; i < ink.Length; i++)
        {
            ink[i] = darkOnLight ? 255f - luminance[i] : luminance[i];
            strongest = Math.Max(strongest, ink[i]);
        }
        var range = strongest - backgroundInk;
        if (range < MinimumContrast)
        {
            return null;
        }
        for (var i = 0; i < ink.Length; i++)
        {
            ink[i] = Math.Clamp((ink[i] - backgroundInk) / range, 0f, 1f) * 255f;
        }
        return ink;
    }

    /// <summary>The smallest rectangle, right and bottom exclusive, holding every pixel of at least <see cref="InkThreshold"/>.</summary>
    private static (int Left, int Top, int Right, int Bottom) InkBox(float[] ink, int width, int height)
    {
        var (left, top, right, bottom) = (width, height, 0, 0);
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                if (ink[y * width + x] >= InkThreshold * 255f)
                {
                    left = Math.Min(left, x);
                    top = Math.Min(top, y);
                    right = Math.Max(right, x + 1);
                    bottom = Math.Max(bottom, y + 1);
                }
            }
        }
        return (left, top, right, bottom);
    }

    /// <summary>
    /// The box of <paramref name="source"/> at (<paramref name="left"/>, <paramref name="top"/>) resampled to
    /// <paramref name="toWidth"/> x <paramref name="toHeight"/>: each output pixel is the mean of the source
    /// area it covers, partly covered source pixels weighted by how much of them it covers.
    /// </summary>
    private static float[] AreaResample(float[] source, int sourceWidth, int left, int top, int boxWidth, int boxHeight, int toWidth, int toHeight)
    {
        var columns = Coverage(boxWidth, toWidth);
        var rows = Coverage(boxHeight, toHeight);
        // Columns first into [boxHeight, toWidth], then rows.
        var narrowed = new float[boxHeight * toWidth];
        for (var y = 0; y < boxHeight; y++)
        {
            for (var x = 0; x < toWidth; x++)
            {
                double sum = 0;
                foreach (var (index, weight) in columns[x])
                {
                    sum += weight * source[(top + y) * sourceWidth + left + index];
                }
                narrowed[y * toWidth + x] = (float)sum;
            }
        }
        var resampled = new float[toHeight * toWidth];
        for (var y = 0; y < toHeight; y++)
        {
            for (var x = 0; x < toWidth; x++)
            {
                double sum = 0;
                foreach (var (index, weight) in rows[y])
                {
                    sum += weight * narrowed[index * toWidth + x];
                }
                resampled[y * toWidth + x] = (float)sum;
            }
        }
        return resampled;
    }

    /// <summary>
    /// For each of <paramref name="to"/> output pixels along one axis, the source pixels among
    /// <paramref name="from"/> it covers and their weights, which sum to 1.
    /// </summary>
    private static List<(int Index, double Weight)>[] Coverage(int from, int to)
    {
        var ratio = (double)from / to;
        var coverage = new List<(int, double)>[to];
        for (var output = 0; output < to; output++)
        {
            var start = output * ratio;
            var end = (output + 1) * ratio;
            coverage[output] = [];
            for (var index = (int)Math.Floor(start); index < Math.Min(from, (int)Math.Ceiling(end)); index++)
            {
                var overlap = Math.Min(end, index + 1) - Math.Max(start, index);
                coverage[output].Add((index, overlap / ratio));
            }
        }
        return coverage;
    }

    /// <summary>
    /// Copies the digit into the frame shifted by whole pixels so that its centre of mass falls on the
    /// frame's centre, rounding to bytes; what the shift pushes past the frame's edge is lost.
    /// </summary>
    private static void PlaceByCentreOfMass(float[] digit, int digitWidth, int digitHeight, byte[] frame, int width, int height)
    {
        double mass = 0, momentX = 0, momentY = 0;
        for (var y = 0; y < digitHeight; y++)
        {
            for (var x = 0; x < digitWidth; x++)
            {
                var value = digit[y * digitWidth + x];
                mass += value;
                momentX += value * x;
                momentY += value * y;
            }
        }
        // The ink box holds a pixel at InkThreshold or more, so the digit has mass. The centre is pixel
        // (W/2, H/2) counted from 0, where MNIST's centres of mass lie (14.0 on average over its test set);
        // a shift halfway between two whole pixels goes right or down.
        var shiftX = (int)Math.Floor(width / 2 - momentX / mass + 0.5);
        var shiftY = (int)Math.Floor(height / 2 - momentY / mass + 0.5);
        for (var y = 0; y < digitHeight; y++)
        {
            for (var x = 0; x < digitWidth; x++)
            {
                var (frameX, frameY) = (x + shiftX, y + shiftY);
                if (frameX >= 0 && frameX < width && frameY >= 0 && frameY < height)
                {
                    frame[frameY * width + frameX] = (byte)Math.Round(Math.Clamp(digit[y * digitWidth + x], 0f, 255f));
                }
            }
        }
    }
}
