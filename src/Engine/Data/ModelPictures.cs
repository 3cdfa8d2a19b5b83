using Descent.Kernels;

namespace Descent.Engine.Data;

/// <summary>How a picture to classify is made the size and kind of a model's input.</summary>
public enum PictureFraming
{
    /// <summary>MNIST's own preparation (<see cref="PictureInput"/>): ink light on black, its box into 20x20, centred by mass.</summary>
    MnistDigit,

    /// <summary>As a tree of pictures is read (<see cref="PictureDecoder"/>): stretched to the input's size, its channels made the input's.</summary>
    Resized,
}

/// <summary>A picture as a model's input: its pixels (the input's channels' planes) and whether it held nothing to classify.</summary>
/// <param name="Blank">Whether MNIST's framing found no ink in it; a resized picture is never blank, whatever it shows.</param>
public sealed record ModelPicture(byte[] Pixels, bool Blank);

/// <summary>
/// Pictures prepared as a model's training data was, the way chosen by what its spec records, never guessed from the picture.
/// </summary>
public static class ModelPictures
{
    /// <summary>
    /// MNIST's framing for models trained on its digits (mnist, mnist-3-7: the digits were framed so, and a drawn digit shrunk
    /// whole is classified far worse); a plain resize for everything else. Fashion-MNIST's items were not framed as digits were
    /// (each was trimmed and scaled to fill the 28x28 frame, not a 20x20 box centred by mass), and a tree's or CIFAR's pictures
    /// were only decoded and resized, so that is what their pictures get too.
    /// </summary>
    public static PictureFraming FramingFor(DatasetName? dataset) =>
        dataset is { IsFolder: false } && dataset.Family == DatasetFamily.Mnist ? PictureFraming.MnistDigit : PictureFraming.Resized;

    /// <summary>The picture file <paramref name="path"/> as an input of <paramref name="channels"/> x <paramref name="height"/> x <paramref name="width"/>.</summary>
    public static ModelPicture Read(string path, PictureFraming framing, int channels, int height, int width) =>
        FromEncoded(PictureInput.ReadFile(path), path, framing, channels, height, width);

    /// <summary>An encoded picture as an input; <paramref name="source"/> names it in errors.</summary>
    public static ModelPicture FromEncoded(byte[] encoded, string source, PictureFraming framing, int channels, int height, int width)
    {
        if (channels is not (1 or 3) || height <= 0 || width <= 0)
        {
            throw new InvalidInputException($"a model input of {channels} x {height} x {width} is not a grey or colour picture");
        }
        if (framing == PictureFraming.MnistDigit)
        {
            if (channels != 1)
            {
                throw new InvalidInputException($"MNIST's framing makes grey digits; the model takes {channels} channels");
            }
            var frame = PictureInput.FromEncoded(encoded, source, height, width);
            // Any ink found is levelled to 255 somewhere, so a frame of zeros is a picture without ink.
            return new ModelPicture(frame, Array.TrueForAll(frame, pixel => pixel == 0));
        }
        var picture = PictureDecoder.Decode(encoded, source, (width, height), PictureInput.MaxPixels);
        return new ModelPicture(picture.AsChannels(channels), Blank: false);
    }
}
