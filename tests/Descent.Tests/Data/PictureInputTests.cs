using Descent.Engine.Data;
using Descent.Kernels;
using SkiaSharp;
using Xunit;

namespace Descent.Tests.Data;

/// <summary>
/// Pictures become MNIST pixels: light ink on black whatever the picture's polarity and colours, the ink
/// scaled into a 20x20 box and centred by mass in 28x28. Checked against frames worked out here from the
/// geometry, and against MNIST's own images drawn as a person would draw them.
/// </summary>
public sealed class PictureInputTests : IDisposable
{
    private const int Side = 28;

    private static readonly SKColor Yellow = new(255, 230, 0);
    private static readonly SKColor DarkBlue = new(0, 0, 128);
    private static readonly SKColor PaperGrey = new(200, 200, 200);
    private static readonly SKColor PencilGrey = new(90, 90, 90);

    private readonly TemporaryFolder folder = new();

    public void Dispose() => folder.Dispose();

    public static TheoryData<string, int, int, int, int, int, int> Rectangles() => new()
    {
        // name, canvas width and height, rectangle left, top, width and height
        { "black on white", 200, 150, 30, 20, 40, 80 },
        { "touching the left edge", 100, 100, 0, 10, 30, 60 },
        { "white on black", 50, 90, 5, 5, 20, 40 },
        { "dark blue on yellow", 120, 200, 60, 100, 40, 20 },
        { "pencil on grey paper", 300, 60, 200, 8, 24, 48 },
        { "on a transparent canvas", 64, 64, 10, 2, 40, 40 },
        { "as small as the box", 28, 28, 4, 4, 20, 10 },
        { "smaller than the box", 30, 30, 10, 10, 4, 8 },
    };

    [Theory]
    [MemberData(nameof(Rectangles))]
    public void A_rectangle_fills_the_digit_box_light_on_black_centred_in_the_frame(string name, int width, int height, int left, int top,
        int rectangleWidth, int rectangleHeight)
    {
        var (paper, ink) = Colours(name);
        using var picture = Pictures.Rectangle(width, height, paper, ink, SKRectI.Create(left, top, rectangleWidth, rectangleHeight));

        var pixels = PictureInput.FromEncoded(Pictures.Encode(picture, SKEncodedImageFormat.Png), name, Side, Side);

        Assert.Equal(FramedRectangle(rectangleWidth, rectangleHeight, Side, Side), pixels);
    }

    /// <summary>
    /// JPEG's ringing moves the ink's edges and its centre by a fraction of a pixel, so the framed rectangle
    /// may land a pixel off where the PNG's does: its size, fullness and centre are what must hold.
    /// </summary>
    [Theory]
    [InlineData("black on white")]
    [InlineData("dark blue on yellow")]
    [InlineData("pencil on grey paper")]
    public void A_jpeg_rectangle_keeps_its_size_ink_and_centre(string name)
    {
        var (paper, ink) = Colours(name);
        using var picture = Pictures.Rectangle(160, 120, paper, ink, SKRectI.Create(50, 20, 40, 80));

        var pixels = PictureInput.FromEncoded(Pictures.Encode(picture, SKEncodedImageFormat.Jpeg), name, Side, Side);

        var strong = Enumerable.Range(0, pixels.Length).Where(i => pixels[i] >= 128).ToArray();
        Assert.Equal(10, strong.Max(i => i % Side) - strong.Min(i => i % Side) + 1);
        Assert.Equal(20, strong.Max(i => i / Side) - strong.Min(i => i / Side) + 1);
        Assert.InRange(strong.Average(i => pixels[i]), 230, 255);
        var mass = pixels.Sum(pixel => (double)pixel);
        Assert.InRange(Enumerable.Range(0, pixels.Length).Sum(i => i % Side * (double)pixels[i]) / mass, 13.25, 14.75);
        Assert.InRange(Enumerable.Range(0, pixels.Length).Sum(i => i / Side * (double)pixels[i]) / mass, 13.25, 14.75);
    }

    [Theory]
    [InlineData(28, 14)]
    [InlineData(56, 28)]
    [InlineData(56, 56)]
    [InlineData(84, 84)]
    public void Any_frame_size_keeps_mnists_proportions(int height, int width)
    {
        using var picture = Pictures.Rectangle(100, 100, SKColors.White, SKColors.Black, SKRectI.Create(10, 10, 40, 80));

        var pixels = PictureInput.FromEncoded(Pictures.Encode(picture, SKEncodedImageFormat.Png), "rectangle", height, width);

        Assert.Equal(FramedRectangle(40, 80, height, width), pixels);
    }

    [Theory]
    [InlineData("white")]
    [InlineData("black")]
    [InlineData("grey with faint speckles")]
    public void A_picture_without_ink_gives_a_black_frame(string kind)
    {
        using var picture = kind switch
        {
            "white" => Pictures.Rectangle(40, 30, SKColors.White, SKColors.White, SKRectI.Empty),
            "black" => Pictures.Rectangle(40, 30, SKColors.Black, SKColors.Black, SKRectI.Empty),
            _ => Pictures.Rectangle(40, 30, PaperGrey, new SKColor(185, 185, 185), SKRectI.Create(5, 5, 3, 3)),
        };

        var pixels = PictureInput.FromEncoded(Pictures.Encode(picture, SKEncodedImageFormat.Png), kind, Side, Side);

        Assert.All(pixels, pixel => Assert.Equal(0, pixel));
    }

    public static TheoryData<string> Renderings() => ["grey png", "jpeg", "dark blue on yellow", "wide canvas", "tall canvas", "as mnist stores it"];

    /// <summary>
    /// MNIST's digits already sit in a 20x20 box centred by mass, so one drawn big on paper and read back
    /// must come out close to the original: the original is the reference.
    /// </summary>
    [SkippableTheory]
    [MemberData(nameof(Renderings))]
    public async Task A_drawn_mnist_digit_comes_back_close_to_the_original(string rendering)
    {
        var test = (await MnistFixture.DigitsAsync()).Valid;

        for (var index = 0; index < 10; index++)
        {
            var original = test.Pixels.AsSpan(index * test.Features, test.Features).ToArray();
            var pixels = PictureInput.FromEncoded(Render(original, rendering), rendering, Side, Side);

            var correlation = Correlation(original, pixels);
            Assert.True(correlation > 0.9, $"test image {index} drawn as {rendering}: correlation {correlation:F3} with the original");
        }
    }

    public static TheoryData<string, string> Unreadable() => new()
    {
        { "text named .png", "is not an image SkiaSharp can decode" },
        { "empty file", "is empty, not an image" },
        { "missing file", "cannot read" },
        { "folder", "is a folder, not an image" },
        { "truncated png", "is a PNG image that is truncated or corrupt" },
    };

    [Theory]
    [MemberData(nameof(Unreadable))]
    public void A_file_that_is_not_a_readable_picture_is_bad_input_naming_it(string kind, string message)
    {
        var path = UnreadableFile(folder, kind);

        var error = Assert.Throws<InvalidInputException>(() => PictureInput.Read(path, Side, Side));

        Assert.Contains(path, error.Message);
        Assert.Contains(message, error.Message);
    }

    /// <summary>A file of the kind <see cref="Unreadable"/> names, made in <paramref name="folder"/>.</summary>
    public static string UnreadableFile(TemporaryFolder folder, string kind)
    {
        var path = folder.File(kind.Replace(' ', '-') + ".png");
        switch (kind)
        {
            case "text named .png":
                File.WriteAllText(path, "a digit, honestly\n");
                break;
            case "empty file":
                File.WriteAllBytes(path, []);
                break;
            case "folder":
                Directory.CreateDirectory(path);
                break;
            case "truncated png":
                using (var picture = Pictures.Rectangle(60, 60, SKColors.White, SKColors.Black, SKRectI.Create(10, 10, 20, 40)))
                {
                    var png = Pictures.Encode(picture, SKEncodedImageFormat.Png);
                    File.WriteAllBytes(path, png[..(png.Length / 2)]);
                }
                break;
        }
        return path;
    }

    /// <summary>
    /// The frame a <paramref name="width"/> x <paramref name="height"/> rectangle of full ink should give, worked
    /// out from MNIST's rule: scaled to fit 20/28 of the frame keeping its aspect, its centre on pixel
    /// (W/2, H/2) counted from 0, half a pixel right or down where it falls between two. The rectangles are
    /// chosen so that every edge falls on a whole pixel.
    /// </summary>
    private static byte[] FramedRectangle(int width, int height, int frameHeight, int frameWidth)
    {
        var scale = Math.Min(frameWidth * 20.0 / 28 / width, frameHeight * 20.0 / 28 / height);
        var (scaledWidth, scaledHeight) = ((int)Math.Round(width * scale), (int)Math.Round(height * scale));
        var left = (int)Math.Ceiling(frameWidth / 2 - (scaledWidth - 1) / 2.0);
        var top = (int)Math.Ceiling(frameHeight / 2 - (scaledHeight - 1) / 2.0);
        var frame = new byte[frameHeight * frameWidth];
        for (var y = top; y < top + scaledHeight; y++)
        {
            for (var x = left; x < left + scaledWidth; x++)
            {
                frame[y * frameWidth + x] = 255;
            }
        }
        return frame;
    }

    private static (SKColor Paper, SKColor Ink) Colours(string name) => name switch
    {
        "white on black" => (SKColors.Black, SKColors.White),
        "dark blue on yellow" => (Yellow, DarkBlue),
        "pencil on grey paper" => (PaperGrey, PencilGrey),
        "on a transparent canvas" => (SKColors.Transparent, SKColors.Black),
        _ => (SKColors.White, SKColors.Black),
    };

    /// <summary>An MNIST image encoded as <paramref name="rendering"/> says: drawn 4x as dark ink on paper, or stored as MNIST stores it.</summary>
    private static byte[] Render(byte[] original, string rendering)
    {
        using var picture = rendering switch
        {
            "dark blue on yellow" => Pictures.Draw(original, Side, 4, Yellow, DarkBlue, 112, 112, 0, 0),
            "wide canvas" => Pictures.Draw(original, Side, 4, SKColors.White, SKColors.Black, 400, 150, 230, 20),
            "tall canvas" => Pictures.Draw(original, Side, 3, SKColors.White, SKColors.Black, 100, 300, 5, 10),
            "as mnist stores it" => Pictures.Draw(original, Side, 1, SKColors.Black, SKColors.White, Side, Side, 0, 0),
            _ => Pictures.Draw(original, Side, 4, SKColors.White, SKColors.Black, 112, 112, 0, 0),
        };
        return Pictures.Encode(picture, rendering == "jpeg" ? SKEncodedImageFormat.Jpeg : SKEncodedImageFormat.Png);
    }

    private static double Correlation(byte[] a, byte[] b)
    {
        var (meanA, meanB) = (a.Average(x => (double)x), b.Average(x => (double)x));
        double covariance = 0, varianceA = 0, varianceB = 0;
        for (var i = 0; i < a.Length; i++)
        {
            covariance += (a[i] - meanA) * (b[i] - meanB);
            varianceA += (a[i] - meanA) * (a[i] - meanA);
            varianceB += (b[i] - meanB) * (b[i] - meanB);
        }
        return covariance / Math.Sqrt(varianceA * varianceB);
    }
}
