namespace Descent.Engine.Files;

/// <summary>
/// The stream an output is written through: a failure to write, flush or close it is the output's and
/// becomes an <see cref="StorageFailureException"/> naming the output, while a failure of whatever the
/// caller copies from (a download, say) reaches the caller as it was.
/// </summary>
internal sealed class OutputStream(Stream file, string path) : Stream
{
    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override void Write(byte[] buffer, int offset, int count)
    {
        try
        {
            file.Write(buffer, offset, count);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            throw StorageFailureException.Writing(path, error);
        }
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellation) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellation).AsTask();

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellation = default)
    {
        try
        {
            await file.WriteAsync(buffer, cancellation);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            throw StorageFailureException.Writing(path, error);
        }
    }

    public override void Flush()
    {
        try
        {
            file.Flush();
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            throw StorageFailureException.Writing(path, error);
        }
    }

    /// <summary>Flushes through the operating system's cache to the disk, so that a crash after the rename cannot leave an empty file.</summary>
    public void FlushToDisk()
    {
        try
        {
            if (file is FileStream onDisk)
            {
                onDisk.Flush(flushToDisk: true);
            }
            else
            {
                file.Flush();
            }
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            throw StorageFailureException.Writing(path, error);
        }
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            try
            {
                file.Dispose();
            }
            catch (Exception error) when (error is IOException or UnauthorizedAccessException)
            {
                throw StorageFailureException.Writing(path, error);
            }
        }
        base.Dispose(disposing);
    }
}
