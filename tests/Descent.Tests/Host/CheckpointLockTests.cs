using System.Diagnostics;
using Descent.Engine.Checkpoints;
using Descent.Tests.Data;
using Xunit;

namespace Descent.Tests.Host;

/// <summary>
/// A run holds its checkpoint folder: a second process on the same folder is refused (exit 2) naming the
/// holder's pid and start time, whether it starts afresh or resumes, and leaves the first run's checkpoints
/// alone; the hold dies with its process, so after a SIGKILL a new run resumes from the folder.
/// </summary>
public sealed class CheckpointLockTests : IDisposable
{
    private readonly TemporaryFolder folder = new();

    public CheckpointLockTests() => DigitFolder.Write(folder, train: 300, test: 40);

    public void Dispose() => folder.Dispose();

    [Fact]
    public void A_second_process_on_a_held_folder_is_refused_naming_the_holder_and_a_killed_holder_leaves_none_behind()
    {
        var root = folder.File("run");
        using (var first = DescentProcess.Start(new Dictionary<string, string>(),
            ["train", "--data-dir", folder.Path, "--layers", "784-16-10", "--batch-size", "128", "--epochs", "100000", "--checkpoint", root, "--keep", "2", "--quiet"]))
        {
            try
            {
                WaitFor(() => File.Exists(Path.Combine(root, "latest")), first);

                var second = DescentProcess.Run(new Dictionary<string, string>(),
                    "train", "--data-dir", folder.Path, "--layers", "784-16-10", "--epochs", "1", "--checkpoint", root);
                var resuming = CommandLine.Run("train", "--data-dir", folder.Path, "--resume", root, "--epochs", "100000");

                foreach (var refused in new[] { second, resuming })
                {
                    var line = CommandLine.AssertOneLineError(refused, 2, $"checkpoint folder {root} is in use by another run (pid {first.Id}, started ");
                    Assert.Contains("two runs would mix their checkpoints", line);
                }
                Assert.False(first.HasExited, "the first run stopped when the second was refused");
            }
            finally
            {
                // SIGKILL: nothing of the first run's own runs to let the folder go.
                first.Kill();
                first.WaitForExit();
            }
        }
        Assert.True(File.Exists(Path.Combine(root, CheckpointFolder.LockFile)), "the lock file stays; only its lock went with the process");
        var done = CheckpointFolder.Load(root).State.Epoch;

        var after = CommandLine.Run("train", "--data-dir", folder.Path, "--resume", root, "--epochs", (done + 1).ToString(), "--quiet");

        Assert.True(after.ExitCode == 0, after.Error);
        Assert.Equal($"checkpoint-{done + 1}", File.ReadAllText(Path.Combine(root, "latest")).Trim());
    }

    [Fact]
    public void A_finished_run_lets_the_folder_go_for_the_next()
    {
        var root = folder.File("run");
        string[] train = ["train", "--data-dir", folder.Path, "--layers", "784-16-10", "--batch-size", "128", "--quiet"];

        Assert.Equal(0, CommandLine.Run([.. train, "--epochs", "1", "--checkpoint", root]).ExitCode);
        var resumed = CommandLine.Run([.. train, "--epochs", "2", "--resume", root]);

        Assert.True(resumed.ExitCode == 0, resumed.Error);
        Assert.StartsWith($"pid {Environment.ProcessId}, started ", File.ReadAllText(Path.Combine(root, CheckpointFolder.LockFile)));
    }

    private static void WaitFor(Func<bool> condition, Process process)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.False(process.HasExited, "training ended before the second run could try its folder");
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60), "no checkpoint appeared within a minute");
            Thread.Sleep(20);
        }
    }
}
