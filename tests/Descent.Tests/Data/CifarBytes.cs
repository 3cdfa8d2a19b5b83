using System.Formats.Tar;
using System.IO.Compression;
using Descent.Engine.Data;

namespace Descent.Tests.Data;

/// <summary>Writes files in CIFAR's binary format: records of label byte(s) and a 3x32x32 picture, as the dataset's authors lay them out.</summary>
public static class CifarBytes
{
    /// <summary>
    /// One record per label tuple: the labels (CIFAR-100: coarse, then fine), then a picture whose every byte is
    /// (record index * 7 + plane * 50 + pixel) mod 256, so each record's planes can be told apart.
    /// </summary>
    public static byte[] Records(params byte[][] labels)
    {
        var records = new List<byte>();
        for (var index = 0; index < labels.Length; index++)
        {
            records.AddRange(labels[index]);
            records.AddRange(Picture(index));
        }

        return records.ToArray();
    }

    /// <summary>The picture <see cref="Records"/> writes for record <paramref name="index"/>.</summary>
    public static byte[] Picture(int index)
    {
        var picture = new byte[CifarFormat.ImageBytes];
        for (var i = 0; i < picture.Length; i++)
        {
            var plane = i / (CifarFormat.ImageSize * CifarFormat.ImageSize);
            picture[i] = (byte)((index * 7 + plane * 50 + i) % 256);
        }

        return picture;
    }

    /// <summary>
    /// A whole CIFAR-10 folder: five training batches of <paramref name="perBatch"/> records and a test batch of as many,
    /// labels cycling through the 10 classes, and the names file.
    /// </summary>
    public static void WriteCifar10(string folder, int perBatch = 2)
    {
        Directory.CreateDirectory(folder);
        var format = CifarFormat.Cifar10;
        foreach (var (name, batch) in format.TrainFiles.Concat(format.TestFiles).Select((name, batch) => (name, batch)))
        {
            File.WriteAllBytes(Path.Combine(folder, name),
                Records(Enumerable.Range(0, perBatch).Select(i => new[] { (byte)((batch * perBatch + i) % 10) }).ToArray()));
        }

        File.WriteAllLines(Path.Combine(folder, format.FineNamesFile), [.. DatasetFamily.Cifar10.ClassNames, ""]);
    }

    /// <summary>A whole CIFAR-100 folder: <paramref name="train"/> and <paramref name="test"/> records, coarse label i % 20, fine label (3i) % 100, and both names files.</summary>
    public static void WriteCifar100(string folder, int train = 3, int test = 2)
    {
        Directory.CreateDirectory(folder);
        var format = CifarFormat.Cifar100;
        byte[][] Labels(int count) => Enumerable.Range(0, count).Select(i => new[] { (byte)(i % 20), (byte)(i * 3 % 100) }).ToArray();
        File.WriteAllBytes(Path.Combine(folder, "train.bin"), Records(Labels(train)));
        File.WriteAllBytes(Path.Combine(folder, "test.bin"), Records(Labels(test)));
        File.WriteAllLines(Path.Combine(folder, format.FineNamesFile), DatasetFamily.Cifar100.ClassNames);
        File.WriteAllLines(Path.Combine(folder, format.CoarseNamesFile!), DatasetFamily.Cifar100CoarseClassNames);
    }

    /// <summary>The files of <paramref name="folder"/> as the home page's archive holds them: a .tar.gz of one folder named <paramref name="archiveFolder"/>.</summary>
    public static byte[] Archive(string folder, string archiveFolder)
    {
        using var packed = new MemoryStream();
        using (var gzip = new GZipStream(packed, CompressionLevel.Fastest, leaveOpen: true))
        using (var tar = new TarWriter(gzip, TarEntryFormat.Pax))
        {
            tar.WriteEntry(new PaxTarEntry(TarEntryType.Directory, archiveFolder + "/"));
            foreach (var file in Directory.GetFiles(folder).Order(StringComparer.Ordinal))
            {
                tar.WriteEntry(file, $"{archiveFolder}/{Path.GetFileName(file)}");
            }
        }

        return packed.ToArray();
    }
}
