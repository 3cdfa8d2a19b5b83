using Descent.Engine.Data;
using Descent.Kernels;
using Xunit;

namespace Descent.Tests.Data;

public sealed class ImageDatasetTests : IDisposable
{
    private readonly TemporaryFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void A_hand_made_pair_round_trips()
    {
        var pixels = IdxBytes.NumberedPixels(4, 3, 2);
        var (images, labels) = WritePair(IdxBytes.Images(4, 3, 2, pixels), IdxBytes.Labels(3, 7, 0, 9));

        var dataset = ImageDataset.Load(images, labels, classes: 10);

        Assert.Equal(pixels, dataset.Pixels);
        Assert.Equal([3, 7, 0, 9], dataset.Labels);
        Assert.Equal((4, 6, 3, 2, 10), (dataset.Count, dataset.Features, dataset.ImageRows, dataset.ImageCols, dataset.Classes));
    }

    [Fact]
    public void Image_and_label_counts_must_match()
    {
        var (images, labels) = WritePair(IdxBytes.Images(4, 3, 2, IdxBytes.NumberedPixels(4, 3, 2)), IdxBytes.Labels(3, 7, 0));

        var problem = Assert.Throws<InvalidInputException>(() => ImageDataset.Load(images, labels, classes: 10));

        Assert.Equal($"{images} holds 4 images but {labels} holds 3 labels", problem.Message);
    }

    [Fact]
    public void A_label_outside_the_classes_is_reported()
    {
        var (images, labels) = WritePair(IdxBytes.Images(3, 3, 2, IdxBytes.NumberedPixels(3, 3, 2)), IdxBytes.Labels(3, 10, 0));

        var problem = Assert.Throws<InvalidInputException>(() => ImageDataset.Load(images, labels, classes: 10));

        Assert.Equal($"{labels} has label 10 at index 1, outside the 10 classes 0..9", problem.Message);
    }

    [Fact]
    public void A_subset_copies_the_chosen_images_in_the_given_order_and_relabels_them()
    {
        var dataset = new ImageDataset(IdxBytes.NumberedPixels(4, 1, 2), [3, 7, 0, 3], 1, 2, classes: 10);

        var subset = dataset.Subset([3, 1], label => label == 3 ? 1 : 0, classes: 2);

        Assert.Equal([3, 3, 1, 1], subset.Pixels);
        Assert.Equal([1, 0], subset.Labels);
        Assert.Equal(2, subset.Classes);
    }

    [Fact]
    public void Pixels_must_hold_one_image_per_label()
    {
        var problem = Assert.Throws<InvalidInputException>(() => new ImageDataset(new byte[5], [0, 1], 1, 2, classes: 2));

        Assert.Equal("5 pixel bytes are not 2 images of 1 x 1 x 2", problem.Message);
    }

    private (string Images, string Labels) WritePair(byte[] images, byte[] labels)
    {
        var (imagesPath, labelsPath) = (_folder.File("images-idx3-ubyte"), _folder.File("labels-idx1-ubyte"));
        File.WriteAllBytes(imagesPath, images);
        File.WriteAllBytes(labelsPath, labels);
        return (imagesPath, labelsPath);
    }
}
