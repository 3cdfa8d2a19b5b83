using Descent.Kernels;

namespace Descent.Engine.Data;

/// <summary>
/// Labelled images kept as the bytes the files hold, grey (one channel) or colour (three), each image its
/// channels' planes one after another (CHW, as a batch is NCHW): the training step uploads them once and
/// normalises on the device. The arrays are shared, not copied; treat them as read-only.
/// </summary>
public sealed class ImageDataset
{
    /// <summary>Grey images: one channel.</summary>
    public ImageDataset(byte[] pixels, int[] labels, int imageRows, int imageCols, int classes)
        : this(pixels, labels, 1, imageRows, imageCols, classes)
    {
    }

    /// <summary>Checks that pixels and labels agree and every label is a class below <paramref name="classes"/>.</summary>
    public ImageDataset(byte[] pixels, int[] labels, int channels, int imageRows, int imageCols, int classes)
    {
        if (channels <= 0 || imageRows <= 0 || imageCols <= 0 || classes <= 0)
        {
            throw new InvalidInputException(
                $"a dataset needs positive channels, image sizes and class count, got {channels} x {imageRows} x {imageCols} and {classes} classes");
        }

        if (labels.Length == 0)
        {
            throw new InvalidInputException("a dataset needs at least one image");
        }

        var features = (long)channels * imageRows * imageCols;
        if (features > int.MaxValue || pixels.Length != labels.Length * features)
        {
            throw new InvalidInputException(
                $"{pixels.Length} pixel bytes are not {labels.Length} images of {channels} x {imageRows} x {imageCols}");
        }

        var outOfRange = Array.FindIndex(labels, label => label < 0 || label >= classes);
        if (outOfRange >= 0)
        {
            throw new InvalidInputException(
                $"label {labels[outOfRange]} of image {outOfRange} is outside the {classes} classes 0..{classes - 1}");
        }

        Pixels = pixels;
        Labels = labels;
        Channels = channels;
        ImageRows = imageRows;
        ImageCols = imageCols;
        Classes = classes;
    }

    /// <summary>Count x Features bytes, image after image, each row-major.</summary>
    public byte[] Pixels { get; }

    /// <summary>One class index per image, in [0, Classes).</summary>
    public int[] Labels { get; }

    public int Count => Labels.Length;

    /// <summary>Bytes per image: Channels x ImageRows x ImageCols.</summary>
    public int Features => Channels * ImageRows * ImageCols;

    /// <summary>1 for grey images, 3 for colour (red, green and blue planes).</summary>
    public int Channels { get; }

    /// <summary>One image's shape: channels, height, width.</summary>
    public Models.FeatureShape Shape => new(Channels, ImageRows, ImageCols);

    public int ImageRows { get; }

    public int ImageCols { get; }

    public int Classes { get; }

    /// <summary>
    /// Loads an IDX image file and its IDX label file, checking that they hold the same number of
    /// items and that every label is below <paramref name="classes"/>; messages name the file at fault.
    /// </summary>
    public static ImageDataset Load(string imagesPath, string labelsPath, int classes)
    {
        var images = IdxFile.ReadImages(imagesPath);
        var labelBytes = IdxFile.ReadLabels(labelsPath);
        if (images.Count != labelBytes.Length)
        {
            throw new InvalidInputException(
                $"{imagesPath} holds {images.Count} images but {labelsPath} holds {labelBytes.Length} labels");
        }

        var outOfRange = Array.FindIndex(labelBytes, label => label >= classes);
        if (outOfRange >= 0)
        {
            throw new InvalidInputException(
                $"{labelsPath} has label {labelBytes[outOfRange]} at index {outOfRange}, outside the {classes} classes 0..{classes - 1}");
        }

        var labels = Array.ConvertAll(labelBytes, label => (int)label);
        return new ImageDataset(images.Pixels, labels, images.Rows, images.Cols, classes);
    }

    /// <summary>The images at <paramref name="indices"/>, in that order, with the same labels and classes.</summary>
    public ImageDataset Subset(IReadOnlyList<int> indices) => Subset(indices, label => label, Classes);

    /// <summary>
    /// The images at <paramref name="indices"/>, in that order, each label mapped through
    /// <paramref name="relabel"/> into <paramref name="classes"/> classes.
    /// </summary>
    public ImageDataset Subset(IReadOnlyList<int> indices, Func<int, int> relabel, int classes)
    {
        var features = Features;
        var pixels = new byte[indices.Count * features];
        var labels = new int[indices.Count];
        for (var i = 0; i < indices.Count; i++)
        {
            var source = indices[i];
            Pixels.AsSpan(source * features, features).CopyTo(pixels.AsSpan(i * features));
            labels[i] = relabel(Labels[source]);
        }

        return new ImageDataset(pixels, labels, Channels, ImageRows, ImageCols, classes);
    }
}
