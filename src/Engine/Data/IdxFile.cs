using System.Buffers.Binary;
using System.IO.Compression;
using Descent.Kernels;

namespace Descent.Engine.Data;

/// <summary>
/// Reads IDX files, the MNIST format: a big-endian magic (0, 0, element type, number of
/// dimensions), one big-endian 32-bit size per dimension, then the elements. Files may be raw or
/// gzip-compressed; gzip is recognised by its magic bytes, so a compressed file without ".gz" loads
/// too. Header and size are checked against each other before any data is used, and every problem
/// becomes an <see cref="InvalidInputException"/> whose one-line message names the file.
/// </summary>
public static class IdxFile
{
    private const int UnsignedByteImagesMagic = 0x00000803;
    private const int UnsignedByteLabelsMagic = 0x00000801;
    private const int MagicLength = 4;
    private const int DimensionLength = 4;

    /// <summary>Reads an image file: magic 0x00000803, dimensions count x rows x cols.</summary>
    public static IdxImages ReadImages(string path)
    {
        var (pixels, dimensions) = Read(path, UnsignedByteImagesMagic, "images");
        return new IdxImages(pixels, dimensions[0], dimensions[1], dimensions[2]);
    }

    /// <summary>Reads a label file: magic 0x00000801, one dimension, one byte per label.</summary>
    public static byte[] ReadLabels(string path) => Read(path, UnsignedByteLabelsMagic, "labels").Data;

    private static (byte[] Data, int[] Dimensions) Read(string path, int expectedMagic, string content)
    {
        try
        {
            using var file = File.OpenRead(path);
            if (file.Length == 0)
            {
                throw Problem(path, "is empty (0 bytes), not an IDX file");
            }

            var compressed = StartsWithGzipMagic(file);
            using var stream = compressed ? new GZipStream(file, CompressionMode.Decompress) : (Stream)file;
            return ReadContent(path, stream, compressed, expectedMagic, content);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw Problem(path, "does not exist");
        }
        catch (InvalidDataException e)
        {
            throw Problem(path, $"is not a valid gzip stream ({e.Message})");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Problem(path, $"cannot be read ({e.Message})");
        }
    }

    /// <summary>True when <paramref name="file"/> begins with gzip's two magic bytes; the position is left at the start.</summary>
    internal static bool StartsWithGzipMagic(FileStream file)
    {
        Span<byte> start = stackalloc byte[2];
        var read = file.ReadAtLeast(start, start.Length, throwOnEndOfStream: false);
        file.Position = 0;
        return read == start.Length && start[0] == 0x1F && start[1] == 0x8B;
    }

    private static (byte[] Data, int[] Dimensions) ReadContent(
        string path, Stream stream, bool compressed, int expectedMagic, string content)
    {
        Span<byte> magicBytes = stackalloc byte[MagicLength];
        if (stream.ReadAtLeast(magicBytes, MagicLength, throwOnEndOfStream: false) < MagicLength)
        {
            throw Problem(path, $"is truncated: shorter than the {MagicLength}-byte IDX magic");
        }

        var magic = BinaryPrimitives.ReadInt32BigEndian(magicBytes);
        var dimensionCount = expectedMagic & 0xFF;
        if (magic != expectedMagic)
        {
            throw Problem(path, $"has magic 0x{magic:X8}, not 0x{expectedMagic:X8} " +
                                $"(IDX {content}: unsigned bytes, {dimensionCount} dimension{(dimensionCount == 1 ? "" : "s")})");
        }

        var dimensions = ReadDimensions(path, stream, dimensionCount);
        var expectedLength = dimensions.Aggregate(1L, (product, size) => product * size);
        var shape = string.Join(" x ", dimensions);
        if (expectedLength > Array.MaxLength)
        {
            throw Problem(path, $"declares {content} of {shape} = {expectedLength} bytes, more than one array can hold");
        }

        var data = ReadData(stream);
        var sizeNote = compressed ? " (after decompression)" : "";
        if (data.Length < expectedLength)
        {
            throw Problem(path, $"is truncated: its header declares {content} of {shape} = {expectedLength} bytes, " +
                                $"but only {data.Length} follow{sizeNote}");
        }

        if (data.Length > expectedLength)
        {
            throw Problem(path, $"has {data.Length - expectedLength} bytes more than the {content} of {shape} its header " +
                                $"declares{sizeNote}: the dimensions do not match the file size");
        }

        return (data, dimensions);
    }

    private static int[] ReadDimensions(string path, Stream stream, int dimensionCount)
    {
        var header = new byte[dimensionCount * DimensionLength];
        if (stream.ReadAtLeast(header, header.Length, throwOnEndOfStream: false) < header.Length)
        {
            throw Problem(path, $"is truncated: its header ends before its {dimensionCount} dimension sizes");
        }

        var dimensions = new int[dimensionCount];
        for (var i = 0; i < dimensionCount; i++)
        {
            var size = BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(i * DimensionLength));
            if (size is 0 or > int.MaxValue)
            {
                throw Problem(path, $"declares dimension {i} of size {size}");
            }

            dimensions[i] = (int)size;
        }

        return dimensions;
    }

    // Reads everything after the header, whatever the header says, so that a size mismatch can be
    // reported with both numbers. A raw file's length is known up front and read in one allocation.
    private static byte[] ReadData(Stream stream)
    {
        if (stream.CanSeek)
        {
            var data = new byte[stream.Length - stream.Position];
            stream.ReadExactly(data);
            return data;
        }

        using var decompressed = new MemoryStream();
        stream.CopyTo(decompressed);
        return decompressed.ToArray();
    }

    private static InvalidInputException Problem(string path, string problem) => new($"{path} {problem}");
}
