using System.Text.Json;
using Descent.Engine.Data;
using Descent.Tests.Data;
using SkiaSharp;
using Xunit;

namespace Descent.Tests.Host;

/// <summary>
/// `descent predict` on models of datasets other than MNIST's digits: a picture is decoded and resized as the model's
/// training pictures were (colour kept for a colour model, made grey for a grey one), and --index reads a tree's or
/// CIFAR's test images.
/// </summary>
public sealed class PredictAnyDatasetTests : IDisposable
{
    private readonly TemporaryFolder folder = new();
    private readonly Dictionary<string, string> environment;

    public PredictAnyDatasetTests() =>
        environment = new() { [DataLocation.DataRootVariable] = Directory.CreateDirectory(folder.File("data-root")).FullName };

    public void Dispose() => folder.Dispose();

    [Fact]
    public void A_colour_tree_model_classifies_colour_pictures_of_another_size_and_its_test_images_by_index()
    {
        var tree = folder.File("colours");
        var random = new Random(3);
        foreach (var (split, count) in new[] { ("train", 24), ("valid", 6) })
        {
            for (var i = 0; i < count; i++)
            {
                WriteNoisy(Path.Combine(tree, split, "blue", $"{i:D3}.png"), 16, 16, new SKColor(30, 40, 210), random);
                WriteNoisy(Path.Combine(tree, split, "red", $"{i:D3}.png"), 16, 16, new SKColor(210, 40, 30), random);
            }
        }
        var model = folder.File("colour.safetensors");
        var trained = DescentProcess.Run(environment, "train", "--data-dir", tree, "--backend", "cpu",
            "--layers", "3x16x16-conv4k3p1-relu-maxpool2-flatten-2", "--epochs", "4", "--batch-size", "8", "--save", model);
        Assert.True(trained.ExitCode == 0, trained.Error);

        // Larger and not square: resized to the model's 16x16, colour kept.
        var red = folder.File("red.png");
        var blue = folder.File("blue.jpg");
        WriteNoisy(red, 48, 30, new SKColor(200, 50, 40), random);
        WriteNoisy(blue, 20, 36, new SKColor(40, 50, 200), random, SKEncodedImageFormat.Jpeg);
        var predicted = DescentProcess.Run(environment, "predict", model, red, blue, "--index", "0", "--data-dir", tree, "--backend", "cpu", "--json");

        Assert.True(predicted.ExitCode == 0, predicted.Error);
        var predictions = Predictions(predicted.Output);
        Assert.Equal(["red", "blue", "blue"], predictions.Select(prediction => prediction.Top));
        Assert.Equal("blue", predictions[2].LabelName);
    }

    [Fact]
    public void A_grey_tree_model_classifies_a_picture_of_another_size_and_a_colour_picture_made_grey()
    {
        var tree = folder.File("halves");
        for (var i = 0; i < 12; i++)
        {
            var shade = (byte)(180 + 5 * i);
            WriteHalves(Path.Combine(tree, "train", "top", $"{i:D3}.png"), 12, 12, new SKColor(shade, shade, shade), SKColors.Black);
            WriteHalves(Path.Combine(tree, "train", "bottom", $"{i:D3}.png"), 12, 12, SKColors.Black, new SKColor(shade, shade, shade));
        }
        WriteHalves(Path.Combine(tree, "valid", "top", "0.png"), 12, 12, SKColors.White, SKColors.Black);
        WriteHalves(Path.Combine(tree, "valid", "bottom", "0.png"), 12, 12, SKColors.Black, SKColors.White);
        var model = folder.File("grey.safetensors");
        var trained = DescentProcess.Run(environment, "train", "--data-dir", tree, "--backend", "cpu", "--arch", "linear",
            "--epochs", "5", "--batch-size", "4", "--save", model);
        Assert.True(trained.ExitCode == 0, trained.Error);

        var top = folder.File("top.png");
        var bottomInColour = folder.File("bottom-colour.png");
        WriteHalves(top, 40, 64, SKColors.White, SKColors.Black);
        // Yellow is light in luma (226), dark blue dark (9): a grey model sees the bottom half lit.
        WriteHalves(bottomInColour, 30, 30, new SKColor(0, 0, 80), new SKColor(255, 255, 0));
        var predicted = DescentProcess.Run(environment, "predict", model, top, bottomInColour, "--backend", "cpu", "--json");

        Assert.True(predicted.ExitCode == 0, predicted.Error);
        Assert.Equal(["top", "bottom"], Predictions(predicted.Output).Select(prediction => prediction.Top));
    }

    [Fact]
    public void A_cifar_model_classifies_its_test_images_by_index_and_a_colour_picture()
    {
        var cifar = folder.File("cifar");
        CifarBytes.WriteCifar10(cifar, perBatch: 4);
        var model = folder.File("cifar.safetensors");
        var trained = DescentProcess.Run(environment, "train", "--dataset", "cifar-10", "--data-dir", cifar, "--backend", "cpu",
            "--layers", "3x32x32-conv2k3p1-relu-maxpool2-flatten-10", "--epochs", "1", "--save", model);
        Assert.True(trained.ExitCode == 0, trained.Error);
        var picture = folder.File("picture.png");
        WriteNoisy(picture, 64, 48, new SKColor(90, 160, 60), new Random(1));

        var predicted = DescentProcess.Run(environment, "predict", model, picture, "--index", "3", "--data-dir", cifar, "--backend", "cpu", "--json");

        Assert.True(predicted.ExitCode == 0, predicted.Error);
        var predictions = Predictions(predicted.Output);
        Assert.Equal(2, predictions.Count);
        Assert.Contains(predictions[0].Top, DatasetFamily.Cifar10.ClassNames);
        Assert.Equal(DatasetFamily.Cifar10.ClassNames[3], predictions[1].LabelName);
    }

    /// <summary>A picture of <paramref name="colour"/> with each channel of each pixel moved by up to 30 either way.</summary>
    private static void WriteNoisy(string path, int width, int height, SKColor colour, Random random,
        SKEncodedImageFormat format = SKEncodedImageFormat.Png)
    {
        using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Opaque));
        byte Near(byte value) => (byte)Math.Clamp(value + random.Next(-30, 31), 0, 255);
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                bitmap.SetPixel(x, y, new SKColor(Near(colour.Red), Near(colour.Green), Near(colour.Blue)));
            }
        }
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, Pictures.Encode(bitmap, format));
    }

    /// <summary>A picture whose top half is <paramref name="top"/> and bottom half <paramref name="bottom"/>.</summary>
    private static void WriteHalves(string path, int width, int height, SKColor top, SKColor bottom)
    {
        using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Opaque));
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                bitmap.SetPixel(x, y, y < height / 2 ? top : bottom);
            }
        }
        PictureTreeWriter.Write(path, bitmap);
    }

    private sealed record Prediction(string Top, string? LabelName);

    private static List<Prediction> Predictions(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.GetProperty("predictions").EnumerateArray().Select(entry => new Prediction(
            entry.GetProperty("top")[0].GetProperty("name").GetString()!,
            entry.TryGetProperty("label_name", out var name) ? name.GetString() : null)).ToList();
    }
}
