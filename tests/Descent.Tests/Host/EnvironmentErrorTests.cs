using System.Runtime.Versioning;
using System.Text;
using Descent.Engine.Files;
using Descent.Host;
using Descent.Kernels;
using Descent.Tests.Data;
using Xunit;

namespace Descent.Tests.Host;

/// <summary>
/// What the machine refuses (a full disk, a folder no one may write in, a read that fails) is exit 3
/// with its cause, never exit 1 "internal failure", and an existing file is left whole. The full disk
/// is /dev/full, the folder no one may write in is /sys, the failing read is /proc/self/mem (at address
/// 0, which no process maps); failures no file can stage come from a stream that fails on purpose.
/// </summary>
[SupportedOSPlatform("linux")]
public sealed class EnvironmentErrorTests : IDisposable
{
    private const string Unwritable = "/sys/descent-test-output";

    private readonly TemporaryFolder folder = new();

    public EnvironmentErrorTests() => DigitFolder.Write(folder, train: 8, test: 4);

    public void Dispose() => folder.Dispose();

    /// <summary>Commands that write a file named by an option, each quick on the reference backend.</summary>
    public static TheoryData<string, string> Writers => new()
    {
        { "train --layers 784-8-10 --epochs 1 --quiet --data-dir DATA --backend reference", "--metrics-out" },
        { "train --layers 784-8-10 --epochs 0 --quiet --data-dir DATA --backend reference", "--save" },
        { "bench --layers 784-8-10 --epochs 1 --batch-size 4 --data-dir DATA --backend reference", "--out" },
        { "bench gemm --size 8 --seconds 0.01 --backend reference", "--out" },
    };

    [Theory]
    [MemberData(nameof(Writers))]
    public void A_full_disk_is_exit_3_naming_the_cause_and_the_device_stays(string command, string option)
    {
        var outcome = Run(command, option, "/dev/full");

        CommandLine.AssertOneLineError(outcome, 3, "cannot write /dev/full: No space left on device");
        Assert.Equal(FileKind.CharacterDevice, FileKinds.Of("/dev/full"));
    }

    [Theory]
    [MemberData(nameof(Writers))]
    public void A_folder_no_one_may_write_in_is_exit_3_before_any_work(string command, string option)
    {
        var outcome = Run(command, option, Unwritable);

        // /sys refuses new files: permission denied, or a read-only file system where it is mounted so.
        var line = CommandLine.AssertOneLineError(outcome, 3, $"cannot write {Unwritable} ({option}): ");
        Assert.Matches("permission denied|Read-only file system|no such file or folder", line);
        Assert.Empty(outcome.Output);
    }

    [Fact]
    public void A_ptx_folder_that_cannot_be_made_is_exit_3()
    {
        CommandLine.AssertOneLineError(CommandLine.Run("check", "--ptx-out", Unwritable), 3, $"cannot write {Unwritable} (--ptx-out): ");
    }

    [Theory]
    [InlineData("train", "--init")]
    [InlineData("eval", "")]
    public void A_model_file_whose_read_fails_is_exit_3_naming_the_cause(string command, string option)
    {
        string[] args = option.Length == 0
            ? [command, "/proc/self/mem", "--data-dir", folder.Path, "--backend", "reference"]
            : [command, option, "/proc/self/mem", "--data-dir", folder.Path, "--backend", "reference"];

        CommandLine.AssertOneLineError(CommandLine.Run(args), 3, "cannot read /proc/self/mem: Input/output error");
    }

    /// <summary>Where the temporary file stops taking bytes: at once, part way, when flushed to disk, or when closed.</summary>
    public static TheoryData<FailingStream.Failure, int> Failures => new()
    {
        { FailingStream.Failure.Write, 0 },
        { FailingStream.Failure.Write, 5000 },
        { FailingStream.Failure.Flush, 0 },
        { FailingStream.Failure.Close, 0 },
    };

    [Theory]
    [MemberData(nameof(Failures))]
    public void A_write_that_fails_is_exit_3_and_leaves_the_existing_file_whole(FailingStream.Failure failure, int bytesBefore)
    {
        var path = folder.File("model.safetensors");
        File.WriteAllText(path, "the model from yesterday");

        var error = Assert.Throws<OutputFailedException>(() => AtomicFile.WriteAllBytes(path, Megabyte,
            (file, mode) => new FailingStream(new FileStream(file, mode, FileAccess.Write), failure, bytesBefore)));

        Assert.Equal($"cannot write {path}: No space left on device", error.Message);
        Assert.Equal(ExitCodes.Unavailable, ExitCodes.For(error));
        Assert.Equal("the model from yesterday", File.ReadAllText(path));
        Assert.Equal([path], Directory.GetFiles(folder.Path, "model*").Concat(Directory.GetFiles(folder.Path, ".model*")));
    }

    [Fact]
    public void A_device_that_fails_is_exit_3_and_stays_a_device()
    {
        var error = Assert.Throws<OutputFailedException>(() => AtomicFile.WriteAllBytes("/dev/null", Megabyte,
            (file, mode) => new FailingStream(new FileStream(file, mode, FileAccess.Write), FailingStream.Failure.Write, 100)));

        Assert.Equal("cannot write /dev/null: No space left on device", error.Message);
        Assert.Equal(FileKind.CharacterDevice, FileKinds.Of("/dev/null"));
    }

    /// <summary>The data cache copies from a download: a failure there is the download's, for the cache to word.</summary>
    [Fact]
    public async Task A_streamed_write_leaves_its_failures_to_the_caller_and_the_existing_file_whole()
    {
        var path = folder.File("cached");
        File.WriteAllText(path, "kept");

        var error = await Assert.ThrowsAsync<IOException>(() => AtomicFile.WriteAsync(path, async (stream, cancellation) =>
        {
            await stream.WriteAsync(new byte[100], cancellation);
            throw new IOException("the connection was reset");
        }, CancellationToken.None));

        Assert.Equal("the connection was reset", error.Message);
        Assert.Equal("kept", File.ReadAllText(path));
        Assert.Empty(Directory.GetFiles(folder.Path, "*.tmp"));
    }

    private CommandLine.Outcome Run(string command, string option, string path) =>
        CommandLine.Run([.. command.Replace("DATA", folder.Path).Split(' '), option, path]);

    private static byte[] Megabyte => Encoding.ASCII.GetBytes(new string('w', 1_000_000));
}

/// <summary>A file that fails as a full disk does: on a write past <paramref name="bytesBefore"/> bytes, on flush, or on close.</summary>
public sealed class FailingStream(Stream file, FailingStream.Failure failure, int bytesBefore) : Stream
{
    public enum Failure
    {
        Write,
        Flush,
        Close,
    }

    private long written;

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => written;

    public override long Position
    {
        get => written;
        set => throw new NotSupportedException();
    }

    public override void Write(byte[] buffer, int offset, int count)
    {
        if (failure == Failure.Write && written + count > bytesBefore)
        {
            file.Write(buffer, offset, (int)Math.Max(0, bytesBefore - written));
            throw Full();
        }
        file.Write(buffer, offset, count);
        written += count;
    }

    public override void Flush()
    {
        if (failure == Failure.Flush)
        {
            throw Full();
        }
        file.Flush();
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            file.Dispose();
            if (failure == Failure.Close)
            {
                throw Full();
            }
        }
        base.Dispose(disposing);
    }

    // As .NET words ENOSPC, the file's name appended.
    private IOException Full() => new($"No space left on device : '{(file as FileStream)?.Name}'", 28);
}
