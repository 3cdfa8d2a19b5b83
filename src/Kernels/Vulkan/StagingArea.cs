namespace Descent.Kernels.Vulkan;

/// <summary>
/// The mapped buffer that uploads and downloads are copied through when they cannot use a buffer's own
/// mapping: on a discrete GPU, or for an upload made while recorded work may still read its target.
/// Space is handed out front to back and is all free again once the host has waited for everything
/// recorded, since no recorded copy then still reads or writes it. The buffer grows (doubling, up to
/// <see cref="MaxBytes"/>) when a batch of transfers needs more, and never shrinks, so after the first
/// epoch the same space serves every later one and a training step allocates nothing. A transfer larger
/// than <see cref="MaxBytes"/> (a dataset upload) is made in pieces.
/// </summary>
internal sealed unsafe class StagingArea(VulkanMemory memory, CommandRecorder recorder) : IDisposable
{
    /// <summary>The largest piece one copy moves; what the area holds at most, host-visible memory kept for the backend's life.</summary>
    public const ulong MaxBytes = 16 << 20;

    private const ulong MinBytes = 64 << 10;

    // Copies are recorded at offsets aligned like this, which suits every device's optimalBufferCopyOffsetAlignment.
    private const ulong Alignment = 256;

    private VulkanAllocation? buffer;
    private ulong used;
    private int hostWaitsWhenUsed;

    /// <summary>
    /// <paramref name="bytes"/> (at most <see cref="MaxBytes"/>) of mapped staging space for one copy recorded
    /// next, valid until the host next waits and, for a download, until it has read the piece after that wait.
    /// When the area is full of copies still pending, this first waits for them.
    /// </summary>
    public StagingSpace Reserve(ulong bytes)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(bytes, MaxBytes);
        if (recorder.HostWaits != hostWaitsWhenUsed)
        {
            used = 0;
        }
        var offset = (used + Alignment - 1) / Alignment * Alignment;
        if (buffer is null || offset + bytes > buffer.Bytes)
        {
            if (used > 0)
            {
                recorder.Finish();
            }
            offset = 0;
            if (buffer is null || bytes > buffer.Bytes)
            {
                Grow(bytes);
            }
        }
        used = offset + bytes;
        hostWaitsWhenUsed = recorder.HostWaits;
        return new StagingSpace(buffer!, offset);
    }

    public void Dispose()
    {
        if (buffer is not null)
        {
            memory.Free(buffer);
        }
    }

    /// <summary>Replaces the (idle) buffer by one of at least <paramref name="bytes"/>, twice the old size where that is larger.</summary>
    private void Grow(ulong bytes)
    {
        var size = Math.Clamp(Math.Max(bytes, 2 * (buffer?.Bytes ?? 0)), MinBytes, MaxBytes);
        if (buffer is not null)
        {
            memory.Free(buffer);
            buffer = null;
        }
        buffer = memory.CreateStaging(size);
    }
}

/// <summary>Reserved staging space: <see cref="Buffer"/> from <see cref="Offset"/>, mapped at <see cref="Mapped"/>.</summary>
internal readonly unsafe record struct StagingSpace(VulkanAllocation Buffer, ulong Offset)
{
    public byte* Mapped => (byte*)Buffer.Mapped + Offset;
}
