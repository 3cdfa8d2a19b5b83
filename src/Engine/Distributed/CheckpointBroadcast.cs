using System.Buffers.Binary;
using System.Text;
using Descent.Engine.Checkpoints;

namespace Descent.Engine.Distributed;

/// <summary>
/// --resume for ranks that may not see rank 0's disk: rank 0 reads the checkpoint and sends its files' bytes to every
/// rank, and each other rank reads its copy from a temporary folder it then deletes. The checkpoint holds the global state
/// (weights, optimizer state, epochs done), so it resumes with any number of ranks, whatever number wrote it.
/// </summary>
public static class CheckpointBroadcast
{
    private static readonly string[] Files = [CheckpointFolder.StateFile, CheckpointFolder.ModelFile, CheckpointFolder.OptimizerFile];

    // MPI counts are 32-bit: large files go in pieces.
    private const int Piece = 1 << 30;

    /// <summary>The checkpoint <paramref name="path"/> means on rank 0 (see <see cref="CheckpointFolder.Resolve"/>), on every rank.</summary>
    public static Checkpoint Load(ProcessGroup group, string path, Action<string>? notice = null)
    {
        if (group.Size == 1)
        {
            return CheckpointFolder.Load(path, notice);
        }
        var loaded = group.IsWriter ? CheckpointFolder.Load(path, notice) : null;
        var packed = loaded is null ? [] : Pack(loaded.Folder);
        Span<byte> length = stackalloc byte[sizeof(long)];
        BinaryPrimitives.WriteInt64LittleEndian(length, packed.LongLength);
        group.BroadcastFromRankZero(length);
        if (loaded is null)
        {
            packed = new byte[BinaryPrimitives.ReadInt64LittleEndian(length)];
        }
        for (long offset = 0; offset < packed.LongLength; offset += Piece)
        {
            group.BroadcastFromRankZero(packed.AsSpan((int)offset, (int)Math.Min(Piece, packed.LongLength - offset)));
        }
        if (loaded is not null)
        {
            return loaded;
        }
        var copy = Directory.CreateTempSubdirectory("descent-resume-");
        try
        {
            Unpack(packed, copy.FullName);
            return CheckpointFolder.Load(copy.FullName);
        }
        finally
        {
            copy.Delete(recursive: true);
        }
    }

    /// <summary>Each file as its name's length and bytes (UTF-8), then its length and bytes.</summary>
    private static byte[] Pack(string folder)
    {
        using var packed = new MemoryStream();
        using var writer = new BinaryWriter(packed);
        foreach (var name in Files)
        {
            writer.Write(name);
            var bytes = File.ReadAllBytes(Path.Combine(folder, name));
            writer.Write(bytes.LongLength);
            writer.Write(bytes);
        }
        writer.Flush();
        return packed.ToArray();
    }

    private static void Unpack(byte[] packed, string folder)
    {
        using var reader = new BinaryReader(new MemoryStream(packed), Encoding.UTF8);
        foreach (var expected in Files)
        {
            var name = reader.ReadString();
            if (name != expected)
            {
                throw new InvalidOperationException($"rank 0 sent {name} where {expected} was due");
            }
            File.WriteAllBytes(Path.Combine(folder, name), reader.ReadBytes(checked((int)reader.ReadInt64())));
        }
    }
}
