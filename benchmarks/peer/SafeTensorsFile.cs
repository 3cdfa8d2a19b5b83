using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Descent.Peer;

/// <summary>One tensor of a safetensors file: float32 values or, for a counter, int64 ones.</summary>
public sealed record StoredTensor(long[] Shape, float[]? Floats, long[]? Integers)
{
    public string DType => Floats is null ? "I64" : "F32";

    public long Count => Shape.Aggregate(1L, (product, size) => product * size);
}

/// <summary>
/// The safetensors format, written here independently of Descent's own reader so that the comparison tests
/// both: an 8-byte little-endian header length, a JSON header naming each tensor's dtype, shape and
/// [begin, end) byte offsets into the data after the header, then the raw little-endian data.
/// </summary>
public static class SafeTensorsFile
{
    public static Dictionary<string, StoredTensor> Read(string path)
    {
        var bytes = File.ReadAllBytes(path);
        if (bytes.Length < 8)
        {
            throw new PeerInputException($"{path} is too short to be a safetensors file");
        }
        var headerLength = BinaryPrimitives.ReadInt64LittleEndian(bytes);
        if (headerLength <= 0 || headerLength > bytes.Length - 8)
        {
            throw new PeerInputException($"{path}: a header of {headerLength} bytes does not fit the file's {bytes.Length}");
        }
        var header = JsonNode.Parse(Encoding.UTF8.GetString(bytes, 8, (int)headerLength))?.AsObject()
            ?? throw new PeerInputException($"{path}: the header is not a JSON object");
        var dataStart = 8 + headerLength;
        var tensors = new Dictionary<string, StoredTensor>();
        foreach (var (name, node) in header)
        {
            if (name == "__metadata__" || node is null)
            {
                continue;
            }
            var dtype = node["dtype"]!.GetValue<string>();
            var shape = node["shape"]!.AsArray().Select(size => size!.GetValue<long>()).ToArray();
            var offsets = node["data_offsets"]!.AsArray().Select(offset => offset!.GetValue<long>()).ToArray();
            var count = shape.Aggregate(1L, (product, size) => product * size);
            var width = dtype switch
            {
                "F32" => 4,
                "I64" => 8,
                _ => throw new PeerInputException($"{path}: tensor {name} is {dtype}; only F32 and I64 are read"),
            };
            if (offsets.Length != 2 || offsets[1] - offsets[0] != count * width || dataStart + offsets[1] > bytes.Length)
            {
                throw new PeerInputException($"{path}: tensor {name}'s offsets do not match its shape or the file");
            }
            var data = bytes.AsSpan((int)(dataStart + offsets[0]), (int)(count * width));
            if (dtype == "F32")
            {
                var floats = new float[count];
                for (var i = 0; i < count; i++)
                {
                    floats[i] = BinaryPrimitives.ReadSingleLittleEndian(data[(i * 4)..]);
                }
                tensors[name] = new StoredTensor(shape, floats, null);
            }
            else
            {
                var integers = new long[count];
                for (var i = 0; i < count; i++)
                {
                    integers[i] = BinaryPrimitives.ReadInt64LittleEndian(data[(i * 8)..]);
                }
                tensors[name] = new StoredTensor(shape, null, integers);
            }
        }
        return tensors;
    }

    public static void Write(string path, IReadOnlyList<(string Name, StoredTensor Tensor)> tensors)
    {
        var header = new JsonObject();
        long offset = 0;
        foreach (var (name, tensor) in tensors)
        {
            var length = tensor.Count * (tensor.Floats is null ? 8 : 4);
            header[name] = new JsonObject
            {
                ["dtype"] = tensor.DType,
                ["shape"] = new JsonArray(tensor.Shape.Select(size => (JsonNode)size).ToArray()),
                ["data_offsets"] = new JsonArray(offset, offset + length),
            };
            offset += length;
        }
        var json = Encoding.UTF8.GetBytes(header.ToJsonString(new JsonSerializerOptions { WriteIndented = false }));
        // Padded with spaces so that the data starts 8-byte aligned, as the reference implementation writes it.
        var paddedLength = (json.Length + 7) / 8 * 8;
        var bytes = new byte[8 + paddedLength + offset];
        BinaryPrimitives.WriteInt64LittleEndian(bytes, paddedLength);
        json.CopyTo(bytes, 8);
        bytes.AsSpan(8 + json.Length, paddedLength - json.Length).Fill((byte)' ');
        var position = 8 + paddedLength;
        foreach (var (_, tensor) in tensors)
        {
            if (tensor.Floats is { } floats)
            {
                foreach (var value in floats)
                {
                    BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(position), value);
                    position += 4;
                }
            }
            else
            {
                foreach (var value in tensor.Integers!)
                {
                    BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(position), value);
                    position += 8;
                }
            }
        }
        var temporary = path + ".tmp";
        File.WriteAllBytes(temporary, bytes);
        File.Move(temporary, path, overwrite: true);
    }
}
