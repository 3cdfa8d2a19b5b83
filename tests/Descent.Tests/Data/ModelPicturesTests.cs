using Descent.Engine.Data;
using SkiaSharp;
using Xunit;

namespace Descent.Tests.Data;

/// <summary>How `descent predict` prepares a picture: the way chosen by the model's dataset, the channels made the model's.</summary>
public sealed class ModelPicturesTests
{
    [Fact]
    public void Only_models_of_mnists_digits_get_mnists_framing()
    {
        Assert.Equal(PictureFraming.MnistDigit, ModelPictures.FramingFor(DatasetName.Mnist));
        Assert.Equal(PictureFraming.MnistDigit, ModelPictures.FramingFor(DatasetName.MnistThreesAndSevens));
        Assert.Equal(PictureFraming.Resized, ModelPictures.FramingFor(DatasetName.FashionMnist));
        Assert.Equal(PictureFraming.Resized, ModelPictures.FramingFor(DatasetName.Cifar10));
        Assert.Equal(PictureFraming.Resized, ModelPictures.FramingFor(DatasetName.OfFolder(["3", "7"])));
        Assert.Equal(PictureFraming.Resized, ModelPictures.FramingFor(null));
    }

    [Fact]
    public void A_colour_picture_for_a_grey_model_is_made_grey_by_the_601_weights_as_a_trees_pictures_are()
    {
        var encoded = Uniform(8, 8, new SKColor(200, 100, 50));

        var picture = ModelPictures.FromEncoded(encoded, "orange", PictureFraming.Resized, 1, 8, 8);

        // (299 * 200 + 587 * 100 + 114 * 50 + 500) / 1000, in integers.
        Assert.All(picture.Pixels, pixel => Assert.Equal(124, pixel));
        Assert.False(picture.Blank);
    }

    [Fact]
    public void A_picture_is_resized_to_the_models_input_and_a_grey_one_fills_every_channel_of_a_colour_model()
    {
        var encoded = Uniform(30, 10, new SKColor(90, 90, 90));

        var picture = ModelPictures.FromEncoded(encoded, "grey", PictureFraming.Resized, 3, 4, 6);

        Assert.Equal(3 * 4 * 6, picture.Pixels.Length);
        Assert.All(picture.Pixels, pixel => Assert.Equal(90, pixel));
    }

    [Fact]
    public void A_colour_picture_for_a_colour_model_keeps_its_planes()
    {
        var picture = ModelPictures.FromEncoded(Uniform(5, 5, new SKColor(10, 20, 30)), "dark", PictureFraming.Resized, 3, 5, 5);

        Assert.Equal([10, 20, 30], new[] { picture.Pixels[0], picture.Pixels[25], picture.Pixels[50] }.Select(pixel => (int)pixel));
        // An all-dark picture is still a picture to a model that was not trained on framed digits.
        Assert.False(picture.Blank);
    }

    private static byte[] Uniform(int width, int height, SKColor colour)
    {
        using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Opaque));
        bitmap.Erase(colour);
        return Pictures.Encode(bitmap, SKEncodedImageFormat.Png);
    }
}
