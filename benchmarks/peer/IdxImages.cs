using System.Buffers.Binary;

namespace Descent.Peer;

/// <summary>A split of an MNIST-format dataset: unsigned bytes, one channel, count x rows x columns, with byte labels.</summary>
public sealed record IdxImages(byte[] Pixels, byte[] Labels, int Rows, int Columns)
{
    public int Count => Labels.Length;

    public int Features => Rows * Columns;

    /// <summary>Reads <c>{prefix}-images-idx3-ubyte</c> and <c>{prefix}-labels-idx1-ubyte</c> (train or t10k) from <paramref name="folder"/>.</summary>
    public static IdxImages Read(string folder, string prefix)
    {
        var imagePath = Path.Combine(folder, $"{prefix}-images-idx3-ubyte");
        var labelPath = Path.Combine(folder, $"{prefix}-labels-idx1-ubyte");
        foreach (var path in new[] { imagePath, labelPath })
        {
            if (!File.Exists(path))
            {
                throw new PeerInputException($"{path} is missing (an uncompressed IDX file, as `descent data fetch` leaves it)", exitCode: 3);
            }
        }
        var images = File.ReadAllBytes(imagePath);
        var labels = File.ReadAllBytes(labelPath);
        if (images.Length < 16 || BinaryPrimitives.ReadInt32BigEndian(images) != 0x803
            || labels.Length < 8 || BinaryPrimitives.ReadInt32BigEndian(labels) != 0x801)
        {
            throw new PeerInputException($"{imagePath} or {labelPath} is not an IDX file of unsigned bytes");
        }
        var count = BinaryPrimitives.ReadInt32BigEndian(images.AsSpan(4));
        var rows = BinaryPrimitives.ReadInt32BigEndian(images.AsSpan(8));
        var columns = BinaryPrimitives.ReadInt32BigEndian(images.AsSpan(12));
        if (BinaryPrimitives.ReadInt32BigEndian(labels.AsSpan(4)) != count
            || images.Length != 16 + (long)count * rows * columns || labels.Length != 8 + count)
        {
            throw new PeerInputException($"{imagePath} and {labelPath} disagree with their headers or each other");
        }
        return new IdxImages(images[16..], labels[8..], rows, columns);
    }

    /// <summary>The first <paramref name="count"/> items.</summary>
    public IdxImages Take(int count)
    {
        if (count <= 0 || count > Count)
        {
            throw new PeerInputException($"asked for the first {count} images of a split of {Count}");
        }
        return this with { Pixels = Pixels[..(count * Features)], Labels = Labels[..count] };
    }

    /// <summary>
    /// The split's mean and standard deviation of pixel / 255, as Descent measures a training split: exact integer sums,
    /// the population variance, 1 for a constant image.
    /// </summary>
    public (double Mean, double Std) Statistics()
    {
        long sum = 0;
        long squares = 0;
        foreach (var pixel in Pixels)
        {
            sum += pixel;
            squares += pixel * pixel;
        }
        var count = (double)Pixels.Length;
        var byteMean = sum / count;
        var variance = Math.Max(0, squares / count - byteMean * byteMean);
        return (byteMean / 255.0, variance > 0 ? Math.Sqrt(variance) / 255.0 : 1.0);
    }

    /// <summary>Inputs x = byte * scale + shift in float32 (a product, then a sum: Descent's arithmetic for either normalisation).</summary>
    public float[] Inputs(float scale, float shift)
    {
        var inputs = new float[Pixels.Length];
        for (var i = 0; i < inputs.Length; i++)
        {
            inputs[i] = Pixels[i] * scale + shift;
        }
        return inputs;
    }
}
