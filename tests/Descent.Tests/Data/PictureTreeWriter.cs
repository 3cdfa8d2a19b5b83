using System.Globalization;
using System.Runtime.InteropServices;
using Descent.Engine.Data;
using SkiaSharp;

namespace Descent.Tests.Data;

/// <summary>Writes trees of class folders of pictures for tests: MNIST digits as grey PNG files in the layouts people download them in.</summary>
public static class PictureTreeWriter
{
    /// <summary>A grey picture (<paramref name="pixels"/>, row-major) as a PNG file, its folders made as needed.</summary>
    public static void WriteGreyPng(string path, ReadOnlySpan<byte> pixels, int width, int height)
    {
        using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Gray8, SKAlphaType.Opaque));
        Marshal.Copy(pixels.ToArray(), 0, bitmap.GetPixels(), width * height);
        Write(path, bitmap);
    }

    /// <summary>A bitmap as a PNG file, its folders made as needed.</summary>
    public static void Write(string path, SKBitmap bitmap)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, Pictures.Encode(bitmap, SKEncodedImageFormat.Png));
    }

    /// <summary>
    /// fast.ai's MNIST_SAMPLE layout: train/3, train/7 from MNIST's training images, valid/3, valid/7 from its test images,
    /// the first <paramref name="perClass"/> of each, named by their index in MNIST.
    /// </summary>
    public static void WriteMnistSample(string root, DatasetSplits mnist, int perClass)
    {
        foreach (var digit in new[] { 3, 7 })
        {
            WriteDigits(Path.Combine(root, "train"), mnist.Train, digit, perClass);
            WriteDigits(Path.Combine(root, "valid"), mnist.Valid, digit, perClass);
        }
    }

    /// <summary>torchvision's full MNIST layout: training/0..9 and testing/0..9, the first <paramref name="perClass"/> of each digit.</summary>
    public static void WriteTorchvisionLayout(string root, DatasetSplits mnist, int perClass)
    {
        for (var digit = 0; digit < 10; digit++)
        {
            WriteDigits(Path.Combine(root, "training"), mnist.Train, digit, perClass);
            WriteDigits(Path.Combine(root, "testing"), mnist.Valid, digit, perClass);
        }
    }

    /// <summary>The indices of the first <paramref name="perClass"/> images of <paramref name="digit"/> in <paramref name="images"/>.</summary>
    public static int[] FirstOf(ImageDataset images, int digit, int perClass) =>
        Enumerable.Range(0, images.Count).Where(i => images.Labels[i] == digit).Take(perClass).ToArray();

    /// <summary>The file a digit is written to: the class folder, then its index in the source, zero-padded so names sort as indices do.</summary>
    public static string FileOf(string splitFolder, int digit, int index) =>
        Path.Combine(splitFolder, digit.ToString(CultureInfo.InvariantCulture), $"{index:D5}.png");

    private static void WriteDigits(string splitFolder, ImageDataset images, int digit, int perClass)
    {
        foreach (var i in FirstOf(images, digit, perClass))
        {
            WriteGreyPng(FileOf(splitFolder, digit, i), images.Pixels.AsSpan(i * images.Features, images.Features), images.ImageCols, images.ImageRows);
        }
    }
}
