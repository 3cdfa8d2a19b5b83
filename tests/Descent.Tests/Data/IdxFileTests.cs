using Descent.Engine.Data;
using Descent.Kernels;
using Xunit;

namespace Descent.Tests.Data;

public sealed class IdxFileTests : IDisposable
{
    private readonly TemporaryFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void Raw_images_round_trip()
    {
        var pixels = IdxBytes.NumberedPixels(3, 2, 4);
        var path = Write("images", IdxBytes.Images(3, 2, 4, pixels));

        var images = IdxFile.ReadImages(path);

        Assert.Equal((3, 2, 4), (images.Count, images.Rows, images.Cols));
        Assert.Equal(pixels, images.Pixels);
    }

    [Fact]
    public void Raw_labels_round_trip()
    {
        var path = Write("labels", IdxBytes.Labels(5, 0, 4, 1, 9));

        Assert.Equal([5, 0, 4, 1, 9], IdxFile.ReadLabels(path));
    }

    [Theory]
    [InlineData("images.gz")]
    [InlineData("images-without-gz-suffix")]
    public void Gzip_is_recognised_by_its_magic_bytes(string name)
    {
        var pixels = IdxBytes.NumberedPixels(3, 2, 4);
        var path = Write(name, IdxBytes.Gzip(IdxBytes.Images(3, 2, 4, pixels)));

        Assert.Equal(pixels, IdxFile.ReadImages(path).Pixels);
    }

    [Fact]
    public void An_empty_file_is_reported()
    {
        var path = Write("empty", []);

        AssertProblem($"{path} is empty (0 bytes), not an IDX file", () => IdxFile.ReadImages(path));
    }

    [Fact]
    public void A_file_cut_inside_its_header_is_truncated()
    {
        var path = Write("cut-header", IdxBytes.Images(3, 2, 4, IdxBytes.NumberedPixels(3, 2, 4))[..10]);

        AssertProblem($"{path} is truncated: its header ends before its 3 dimension sizes", () => IdxFile.ReadImages(path));
    }

    [Fact]
    public void A_file_cut_inside_its_data_is_truncated()
    {
        var path = Write("cut-data", IdxBytes.Images(3, 2, 4, IdxBytes.NumberedPixels(3, 2, 4))[..^5]);

        AssertProblem($"{path} is truncated: its header declares images of 3 x 2 x 4 = 24 bytes, but only 19 follow",
            () => IdxFile.ReadImages(path));
    }

    [Fact]
    public void A_truncated_gzip_file_says_the_size_is_after_decompression()
    {
        var path = Write("cut.gz", IdxBytes.Gzip(IdxBytes.Images(3, 2, 4, IdxBytes.NumberedPixels(3, 2, 4))[..^5]));

        AssertProblem($"{path} is truncated: its header declares images of 3 x 2 x 4 = 24 bytes, but only 19 follow (after decompression)",
            () => IdxFile.ReadImages(path));
    }

    [Fact]
    public void A_labels_file_read_as_images_has_the_wrong_magic()
    {
        var path = Write("labels", IdxBytes.Labels(1, 2, 3));

        AssertProblem($"{path} has magic 0x00000801, not 0x00000803 (IDX images: unsigned bytes, 3 dimensions)",
            () => IdxFile.ReadImages(path));
    }

    [Fact]
    public void A_float_labels_file_has_the_wrong_magic()
    {
        var path = Write("float-labels", IdxBytes.File(0x00000D01, [1], [0, 0, 0, 0]));

        AssertProblem($"{path} has magic 0x00000D01, not 0x00000801 (IDX labels: unsigned bytes, 1 dimension)",
            () => IdxFile.ReadLabels(path));
    }

    [Fact]
    public void Dimensions_that_do_not_match_the_file_size_are_reported()
    {
        var path = Write("too-long", IdxBytes.File(0x00000803, [2, 2, 4], IdxBytes.NumberedPixels(3, 2, 4)));

        AssertProblem($"{path} has 8 bytes more than the images of 2 x 2 x 4 its header declares: the dimensions do not match the file size",
            () => IdxFile.ReadImages(path));
    }

    [Fact]
    public void A_zero_dimension_is_reported()
    {
        var path = Write("zero", IdxBytes.File(0x00000803, [3, 0, 4], []));

        AssertProblem($"{path} declares dimension 1 of size 0", () => IdxFile.ReadImages(path));
    }

    [Fact]
    public void A_damaged_gzip_stream_is_reported()
    {
        var gzip = IdxBytes.Gzip(IdxBytes.Images(3, 2, 4, IdxBytes.NumberedPixels(3, 2, 4)));
        Array.Fill(gzip, (byte)0xFF, 10, gzip.Length - 10);
        var path = Write("damaged.gz", gzip);

        var problem = Assert.Throws<InvalidInputException>(() => IdxFile.ReadImages(path));

        Assert.StartsWith($"{path} is not a valid gzip stream (", problem.Message);
    }

    [Fact]
    public void A_missing_file_is_reported()
    {
        var path = _folder.File("nowhere");

        AssertProblem($"{path} does not exist", () => IdxFile.ReadLabels(path));
    }

    private string Write(string name, byte[] bytes)
    {
        var path = _folder.File(name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private static void AssertProblem(string expectedMessage, Action read)
    {
        var problem = Assert.Throws<InvalidInputException>(read);
        Assert.Equal(expectedMessage, problem.Message);
        Assert.Equal(FailureKind.BadInput, problem.Kind);
    }
}
