using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Descent.Kernels;

namespace Descent.Engine.Files;

/// <summary>
/// One named tensor of a safetensors file: its shape and its elements in row-major order, float32 in
/// <see cref="Values"/>, or int64 (a counter such as batch normalisation's num_batches_tracked) in
/// <see cref="Integers"/> with <see cref="Values"/> empty.
/// </summary>
public sealed record NamedTensor(string Name, IReadOnlyList<int> Shape, float[] Values)
{
    /// <summary>An int64 tensor's elements; null for a float32 tensor.</summary>
    public long[]? Integers { get; init; }

    /// <summary>The safetensors dtype: "F32" or "I64".</summary>
    public string DType => Integers is null ? "F32" : "I64";

    /// <summary>Elements of either type.</summary>
    public int Count => Integers?.Length ?? Values.Length;

    public static NamedTensor OfIntegers(string name, IReadOnlyList<int> shape, long[] integers) => new(name, shape, []) { Integers = integers };
}

/// <summary>What a safetensors file holds: its tensors in file order and its string metadata.</summary>
public sealed record SafeTensorsFile(IReadOnlyList<NamedTensor> Tensors, IReadOnlyDictionary<string, string> Metadata);

/// <summary>
/// The safetensors format, as PyTorch and Hugging Face read it: an 8-byte little-endian header length,
/// a JSON header (each tensor's dtype, shape and [begin, end) byte offsets into the data that follows,
/// plus string "__metadata__"), padded with spaces to a multiple of 8 bytes, then the raw little-endian
/// data. Descent writes and reads float32 ("F32") and int64 ("I64"). Reading trusts nothing: every size, offset and
/// dtype is checked against the file before anything is allocated.
/// </summary>
public static class SafeTensors
{
    private const string MetadataKey = "__metadata__";

    /// <summary>Largest header accepted: far above any model's, far below a file that would exhaust memory.</summary>
    private const long MaxHeaderBytes = 100L * 1024 * 1024;

    /// <summary>The file's bytes: header, then each tensor's data in the order given.</summary>
    public static byte[] Encode(IReadOnlyList<NamedTensor> tensors, IReadOnlyDictionary<string, string> metadata)
    {
        var header = new JsonObject();
        if (metadata.Count > 0)
        {
            var meta = new JsonObject();
            foreach (var (key, value) in metadata)
            {
                meta[key] = value;
            }
            header[MetadataKey] = meta;
        }
        long offset = 0;
        foreach (var tensor in tensors)
        {
            if (tensor.Name == MetadataKey || header.ContainsKey(tensor.Name))
            {
                throw new InvalidInputException($"a safetensors file cannot hold two tensors named '{tensor.Name}'");
            }
            if (tensor.Shape.Aggregate(1L, (product, size) => product * size) != tensor.Count)
            {
                throw new InvalidInputException($"tensor {tensor.Name} has {tensor.Count} values, not its shape's {string.Join('x', tensor.Shape)}");
            }
            var bytes = (long)tensor.Count * ElementBytes(tensor.DType);
            header[tensor.Name] = new JsonObject
            {
                ["dtype"] = tensor.DType,
                ["shape"] = new JsonArray(tensor.Shape.Select(size => (JsonNode)size).ToArray()),
                ["data_offsets"] = new JsonArray(offset, offset + bytes),
            };
            offset += bytes;
        }
        var json = Encoding.UTF8.GetBytes(header.ToJsonString());
        var headerLength = (json.Length + 7) / 8 * 8;
        var file = new byte[8 + headerLength + offset];
        BinaryPrimitives.WriteUInt64LittleEndian(file, (ulong)headerLength);
        json.CopyTo(file, 8);
        file.AsSpan(8 + json.Length, headerLength - json.Length).Fill((byte)' ');
        var data = file.AsSpan(8 + headerLength);
        foreach (var tensor in tensors)
        {
            foreach (var value in tensor.Values)
            {
                BinaryPrimitives.WriteSingleLittleEndian(data, value);
                data = data[sizeof(float)..];
            }
            foreach (var integer in tensor.Integers ?? [])
            {
                BinaryPrimitives.WriteInt64LittleEndian(data, integer);
                data = data[sizeof(long)..];
            }
        }
        return file;
    }

    /// <summary>Reads a file's bytes; a file that breaks the format in any way is bad input, named with <paramref name="source"/>.</summary>
    public static SafeTensorsFile Decode(ReadOnlySpan<byte> file, string source)
    {
        if (file.Length < 8)
        {
            throw Bad(source, $"it is {file.Length} bytes long, too short for the 8-byte header length");
        }
        var headerLength = BinaryPrimitives.ReadUInt64LittleEndian(file);
        if (headerLength > MaxHeaderBytes || (long)headerLength > file.Length - 8)
        {
            throw Bad(source, $"its header claims {headerLength} bytes but the file holds {file.Length - 8} after the length");
        }
        JsonObject header;
        try
        {
            header = JsonNode.Parse(file.Slice(8, (int)headerLength))?.AsObject() ?? throw Bad(source, "its header is not a JSON object");
        }
        catch (Exception error) when (error is JsonException or InvalidOperationException)
        {
            throw Bad(source, $"its header is not valid JSON ({error.Message})");
        }
        var data = file[(8 + (int)headerLength)..];
        var metadata = new Dictionary<string, string>();
        var entries = new List<(string Name, string DType, int[] Shape, long Begin, long End)>();
        foreach (var (name, node) in header)
        {
            if (name == MetadataKey)
            {
                foreach (var (key, value) in node?.AsObject() ?? throw Bad(source, "its __metadata__ is not an object"))
                {
                    metadata[key] = value is JsonValue text && text.TryGetValue<string>(out var s) ? s : throw Bad(source, $"metadata '{key}' is not a string");
                }
                continue;
            }
            entries.Add(ReadEntry(name, node, data.Length, source));
        }
        // The data must be covered by the tensors exactly: no overlap, no gap, nothing past the end.
        entries.Sort((x, y) => x.Begin.CompareTo(y.Begin));
        long expected = 0;
        foreach (var entry in entries)
        {
            if (entry.Begin != expected)
            {
                throw Bad(source, entry.Begin < expected
                    ? $"tensor {entry.Name} overlaps the tensor before it"
                    : $"bytes {expected}..{entry.Begin} before tensor {entry.Name} belong to no tensor");
            }
            expected = entry.End;
        }
        if (expected != data.Length)
        {
            throw Bad(source, $"its data is {data.Length} bytes but its tensors cover {expected}");
        }
        var tensors = new List<NamedTensor>(entries.Count);
        foreach (var (name, dtype, shape, begin, end) in entries)
        {
            var bytes = data.Slice((int)begin, (int)(end - begin));
            if (dtype == "I64")
            {
                var integers = new long[bytes.Length / sizeof(long)];
                for (var i = 0; i < integers.Length; i++)
                {
                    integers[i] = BinaryPrimitives.ReadInt64LittleEndian(bytes[(i * sizeof(long))..]);
                }
                tensors.Add(NamedTensor.OfIntegers(name, shape, integers));
                continue;
            }
            var values = new float[bytes.Length / sizeof(float)];
            for (var i = 0; i < values.Length; i++)
            {
                values[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes[(i * sizeof(float))..]);
            }
            tensors.Add(new NamedTensor(name, shape, values));
        }
        return new SafeTensorsFile(tensors, metadata);
    }

    /// <summary>Writes the file atomically: a reader, or a crash, never sees part of it.</summary>
    public static void Write(string path, IReadOnlyList<NamedTensor> tensors, IReadOnlyDictionary<string, string> metadata)
    {
        var bytes = Encode(tensors, metadata);
        AtomicFile.WriteAllBytes(path, bytes);
    }

    /// <summary>
    /// Reads a safetensors file. A path that is empty, missing, not a regular file (a folder; a device such as
    /// /dev/zero, which would never end), larger than an array holds, or not readable by this user is bad
    /// input; a read the machine fails (an I/O error) is an <see cref="InputFailedException"/>.
    /// </summary>
    public static SafeTensorsFile Read(string path)
    {
        if (string.IsNullOrWhiteSpace(path))
        {
            throw new InvalidInputException("a model file needs a name, got an empty one");
        }
        FileKind kind;
        try
        {
            kind = FileKinds.Of(Path.GetFullPath(path));
        }
        catch (PathLookupException error)
        {
            throw new InvalidInputException($"cannot read {path}: {error.Message}", error);
        }
        switch (kind)
        {
            case FileKind.Folder:
                throw new InvalidInputException($"{path} is a folder, not a safetensors file");
            case FileKind.CharacterDevice or FileKind.BlockDevice or FileKind.Pipe or FileKind.Socket:
                throw new InvalidInputException($"{path} is a device, pipe or socket, not a safetensors file");
            case FileKind.RegularFile when new FileInfo(path).Length is var length && length > Array.MaxLength:
                throw new InvalidInputException(
                    $"{path} is {length} bytes, more than a model file Descent reads may be ({Array.MaxLength})");
        }
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception error) when (error is FileNotFoundException or DirectoryNotFoundException or UnauthorizedAccessException
                                          or PathTooLongException)
        {
            throw new InvalidInputException($"cannot read {path}: {FailureCause.Of(error)}", error);
        }
        catch (IOException error)
        {
            throw InputFailedException.Reading(path, error);
        }
        return Decode(bytes, path);
    }

    private static int ElementBytes(string dtype) => dtype == "I64" ? sizeof(long) : sizeof(float);

    private static (string, string, int[], long, long) ReadEntry(string name, JsonNode? node, int dataLength, string source)
    {
        try
        {
            var entry = node!.AsObject();
            var dtype = entry["dtype"]!.GetValue<string>();
            if (dtype is not ("F32" or "I64"))
            {
                throw Bad(source, $"tensor {name} is {dtype}; Descent reads F32 and I64 only");
            }
            var shape = entry["shape"]!.AsArray().Select(size => size!.GetValue<int>()).ToArray();
            var offsets = entry["data_offsets"]!.AsArray().Select(offset => offset!.GetValue<long>()).ToArray();
            if (shape.Any(size => size < 0) || offsets.Length != 2 || offsets[0] < 0 || offsets[1] < offsets[0] || offsets[1] > dataLength)
            {
                throw Bad(source, $"tensor {name} has shape [{string.Join(", ", shape)}] and offsets [{string.Join(", ", offsets)}] outside its {dataLength} data bytes");
            }
            var elements = shape.Aggregate(1L, (product, size) => product * size);
            if (elements * ElementBytes(dtype) != offsets[1] - offsets[0])
            {
                throw Bad(source, $"tensor {name} of shape [{string.Join(", ", shape)}] needs {elements * ElementBytes(dtype)} bytes but its offsets span {offsets[1] - offsets[0]}");
            }
            return (name, dtype, shape, offsets[0], offsets[1]);
        }
        catch (Exception error) when (error is NullReferenceException or InvalidOperationException or FormatException)
        {
            throw Bad(source, $"tensor {name} lacks a dtype, shape or data_offsets of the right type");
        }
    }

    private static InvalidInputException Bad(string source, string why) => new($"{source} is not a valid safetensors file: {why}");
}
