using Descent.Tests.Data;

namespace Descent.Tests.Host;

/// <summary>
/// A --data-dir folder of valid MNIST-format files made by hand: 28x28 images, label i % 10 for
/// image i, and in image i the pixel row (i % 10) lit, so the ten classes are separable.
/// </summary>
public static class DigitFolder
{
    private const int Side = 28;

    public static void Write(TemporaryFolder folder, int train, int test)
    {
        File.WriteAllBytes(folder.File("train-images-idx3-ubyte"), IdxBytes.Images(train, Side, Side, Images(train)));
        File.WriteAllBytes(folder.File("train-labels-idx1-ubyte"), IdxBytes.Labels(Labels(train)));
        File.WriteAllBytes(folder.File("t10k-images-idx3-ubyte"), IdxBytes.Images(test, Side, Side, Images(test)));
        File.WriteAllBytes(folder.File("t10k-labels-idx1-ubyte"), IdxBytes.Labels(Labels(test)));
    }

    private static byte[] Images(int count) => Enumerable.Range(0, count)
        .SelectMany(i => Enumerable.Range(0, Side * Side).Select(p => (byte)(p / Side == i % 10 ? 255 : 0))).ToArray();

    private static byte[] Labels(int count) => Enumerable.Range(0, count).Select(i => (byte)(i % 10)).ToArray();
}
