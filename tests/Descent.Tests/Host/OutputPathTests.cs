using System.Diagnostics;
using System.Net.Sockets;
using System.Runtime.Versioning;
using System.Text;
using Descent.Engine.Files;
using Descent.Tests.Data;
using Xunit;

namespace Descent.Tests.Host;

/// <summary>
/// Outputs never replace what is not theirs, whichever option names them: a symbolic link is written
/// through to its target and stays a link, a character device or a pipe is written in place and stays
/// what it was, and a folder, a socket or a path in no folder is refused (exit 2) with nothing touched.
/// Run as root in CI, where nothing but Descent's own rules stands between an output and /dev.
/// </summary>
[SupportedOSPlatform("linux")]
public sealed class OutputPathTests : IDisposable
{
    private readonly TemporaryFolder folder = new();
    private readonly TemporaryFolder data = new();

    public OutputPathTests() => DigitFolder.Write(data, train: 8, test: 4);

    public void Dispose()
    {
        folder.Dispose();
        data.Dispose();
    }

    private static readonly string[] Options = ["--metrics-out", "--save"];

    public static TheoryData<string> FileOptions => new(Options);

    [Theory]
    [MemberData(nameof(FileOptions))]
    public void A_symbolic_link_is_written_through_and_stays_a_link(string option)
    {
        var target = folder.File("target");
        File.WriteAllText(target, "old");
        var link = folder.File("link");
        File.CreateSymbolicLink(link, "target");

        Assert.Equal(0, Train(option, link).ExitCode);

        Assert.Equal("target", new FileInfo(link).LinkTarget);
        Assert.NotEqual("old", File.ReadAllText(target));
        Assert.Equal([folder.File("link"), target], Directory.GetFileSystemEntries(folder.Path).Order());
    }

    [Theory]
    [MemberData(nameof(FileOptions))]
    public void A_link_to_nothing_yet_creates_its_target_and_stays_a_link(string option)
    {
        Directory.CreateDirectory(folder.File("elsewhere"));
        var link = folder.File("link");
        File.CreateSymbolicLink(link, Path.Combine("elsewhere", "made"));

        Assert.Equal(0, Train(option, link).ExitCode);

        Assert.NotNull(new FileInfo(link).LinkTarget);
        Assert.True(File.Exists(folder.File(Path.Combine("elsewhere", "made"))));
    }

    [Theory]
    [MemberData(nameof(FileOptions))]
    public void A_chain_of_links_is_followed_to_the_last_target(string option)
    {
        File.WriteAllText(folder.File("last"), "old");
        File.CreateSymbolicLink(folder.File("middle"), folder.File("last"));
        File.CreateSymbolicLink(folder.File("first"), folder.File("middle"));

        Assert.Equal(0, Train(option, folder.File("first")).ExitCode);

        Assert.NotNull(new FileInfo(folder.File("first")).LinkTarget);
        Assert.NotNull(new FileInfo(folder.File("middle")).LinkTarget);
        Assert.NotEqual("old", File.ReadAllText(folder.File("last")));
    }

    [Theory]
    [MemberData(nameof(FileOptions))]
    public void Dev_null_is_written_and_stays_a_device(string option)
    {
        Assert.Equal(0, Train(option, "/dev/null").ExitCode);

        Assert.Equal(FileKind.CharacterDevice, FileKinds.Of("/dev/null"));
    }

    [Theory]
    [MemberData(nameof(FileOptions))]
    public void An_existing_file_is_replaced_whole_and_keeps_its_permissions(string option)
    {
        var existing = folder.File("existing");
        File.WriteAllText(existing, "old");
        File.SetUnixFileMode(existing, UnixFileMode.UserRead | UnixFileMode.UserWrite);

        Assert.Equal(0, Train(option, existing).ExitCode);

        Assert.NotEqual("old", File.ReadAllText(existing));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(existing));
        Assert.Empty(Directory.GetFiles(folder.Path, "*.tmp", SearchOption.AllDirectories));
    }

    /// <summary>Each case: what to make in the folder, the path to give, and what the one line must say.</summary>
    public static TheoryData<string, string, string, string> Refused()
    {
        var cases = new TheoryData<string, string, string, string>();
        foreach (var option in Options)
        {
            cases.Add(option, "folder", "made", "is a folder, not a file");
            cases.Add(option, "link to a folder", "made", "is a folder, not a file");
            cases.Add(option, "socket", "made", "is a socket");
            cases.Add(option, "nothing", "", "needs a file name");
            cases.Add(option, "nothing", "  ", "needs a file name");
            cases.Add(option, "nothing", "missing/out", "does not exist");
            cases.Add(option, "file", "made/out", "is not a folder");
            cases.Add(option, "loop of links", "made", "too many levels of symbolic links");
        }
        return cases;
    }

    [Theory]
    [MemberData(nameof(Refused))]
    public void A_path_that_is_not_a_file_is_refused_before_training_and_left_as_it_was(string option, string made, string path,
        string expected)
    {
        var fullPath = path.Trim().Length == 0 ? path : folder.File(path);
        using var socket = Make(made, folder.File("made"));
        var before = Snapshot();

        var outcome = Train(option, fullPath);

        CommandLine.AssertOneLineError(outcome, 2, expected);
        Assert.DoesNotContain("epoch", outcome.Output);
        Assert.Equal(before, Snapshot());
    }

    [Theory]
    [InlineData("bench --data-dir DATA --epochs 50")]
    [InlineData("bench gemm --size 4096 --seconds 600")]
    public void Bench_checks_its_out_path_before_benchmarking(string command)
    {
        Directory.CreateDirectory(folder.File("results"));
        foreach (var (path, expected) in new[] { (folder.File("results"), "is a folder, not a file"), ("", "needs a file name"),
                     (folder.File("missing/results.json"), "does not exist") })
        {
            // The reference backend would take hours over either benchmark: refusing at once shows nothing ran.
            var watch = Stopwatch.StartNew();
            var outcome = CommandLine.Run([.. command.Replace("DATA", data.Path).Split(' '), "--backend", "reference", "--out", path]);

            CommandLine.AssertOneLineError(outcome, 2, expected);
            Assert.Empty(outcome.Output);
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(20), $"{command} --out '{path}' took {watch.Elapsed} to refuse");
        }
        Assert.Empty(Directory.GetFileSystemEntries(folder.File("results")));
    }

    [Fact]
    public void Ptx_out_refuses_a_file_and_leaves_it_as_it_was()
    {
        var file = folder.File("kernels");
        File.WriteAllText(file, "mine");

        CommandLine.AssertOneLineError(CommandLine.Run("check", "--ptx-out", file), 2, "is a file, not a folder");
        CommandLine.AssertOneLineError(CommandLine.Run("check", "--ptx-out", ""), 2, "needs a folder name");
        Assert.Equal("mine", File.ReadAllText(file));
    }

    [Fact]
    public async Task A_pipe_is_written_in_place_and_stays_a_pipe()
    {
        var pipe = folder.File("pipe");
        using (var mkfifo = Process.Start("mkfifo", [pipe]))
        {
            mkfifo.WaitForExit();
            Assert.Equal(0, mkfifo.ExitCode);
        }
        var reader = Task.Run(() => File.ReadAllText(pipe));

        AtomicFile.WriteAllText(pipe, "through the pipe");

        Assert.Equal("through the pipe", await reader.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal(FileKind.Pipe, FileKinds.Of(pipe));
    }

    private CommandLine.Outcome Train(string option, string path) =>
        CommandLine.Run("train", "--data-dir", data.Path, "--backend", "reference", "--layers", "784-8-10", "--epochs", "0", "--quiet",
            option, path);

    /// <summary>Makes <paramref name="what"/> at <paramref name="path"/>; a socket is returned, to be closed after the test.</summary>
    private IDisposable? Make(string what, string path)
    {
        switch (what)
        {
            case "folder":
                Directory.CreateDirectory(path);
                File.WriteAllText(Path.Combine(path, "inside"), "kept");
                return null;
            case "link to a folder":
                Directory.CreateDirectory(folder.File("real"));
                Directory.CreateSymbolicLink(path, folder.File("real"));
                return null;
            case "socket":
                var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                socket.Bind(new UnixDomainSocketEndPoint(path));
                return socket;
            case "file":
                File.WriteAllText(path, "kept");
                return null;
            case "loop of links":
                File.CreateSymbolicLink(path, folder.File("other"));
                File.CreateSymbolicLink(folder.File("other"), path);
                return null;
            default:
                return null;
        }
    }

    /// <summary>Every entry of the folder with its kind, link target and contents, to see that nothing changed.</summary>
    private string Snapshot()
    {
        var entries = new StringBuilder();
        foreach (var entry in Directory.GetFileSystemEntries(folder.Path, "*", SearchOption.AllDirectories).Order())
        {
            var info = new FileInfo(entry);
            var link = info.LinkTarget;
            var kind = link is null ? FileKinds.Of(entry).ToString() : "link";
            var contents = kind == nameof(FileKind.RegularFile) ? File.ReadAllText(entry) : "";
            entries.AppendLine($"{entry} {kind} {link} {contents}");
        }
        return entries.ToString();
    }
}
