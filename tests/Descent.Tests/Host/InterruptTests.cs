using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.Json;
using Descent.Engine.Checkpoints;
using Descent.Tests.Data;
using Xunit;

namespace Descent.Tests.Host;

/// <summary>
/// A training process stopped from outside: Ctrl+C (SIGINT) and SIGTERM stop it after the current batch
/// with one line, exit 130 and 143, and leave the last finished epoch as the latest checkpoint; a process
/// killed outright (SIGKILL) at any moment leaves a latest checkpoint that loads and resumes.
/// </summary>
public sealed partial class InterruptTests : IDisposable
{
    private const int SignalInterrupt = 2;
    private const int SignalTerminate = 15;

    private readonly TemporaryFolder folder = new();

    public InterruptTests() => DigitFolder.Write(folder, train: 300, test: 40);

    public void Dispose() => folder.Dispose();

    [Theory]
    [InlineData(SignalInterrupt, 130, "interrupted")]
    [InlineData(SignalTerminate, 143, "terminated")]
    public async Task A_signal_stops_training_after_the_current_batch_keeping_the_last_finished_epoch(int signal, int exitCode, string word)
    {
        var root = folder.File("run");
        var metrics = folder.File("metrics.json");
        using var process = StartTraining(root, "--metrics-out", metrics, "--quiet");
        var error = process.StandardError.ReadToEndAsync();
        WaitFor(() => File.Exists(Path.Combine(root, "latest")) && File.ReadAllText(Path.Combine(root, "latest")).Trim() != "checkpoint-1", process);

        Assert.Equal(0, Kill(process.Id, signal));
        Assert.True(process.WaitForExit(TimeSpan.FromSeconds(30)), "the process did not stop after the signal");

        Assert.Equal(exitCode, process.ExitCode);
        var line = Assert.Single((await error).Split('\n', StringSplitOptions.RemoveEmptyEntries));
        var match = StoppedLine().Match(line);
        Assert.True(match.Success, line);
        Assert.Equal(word, match.Groups[1].Value);
        var stoppedIn = int.Parse(match.Groups[2].Value);
        Assert.Equal($"checkpoint-{stoppedIn - 1}", File.ReadAllText(Path.Combine(root, "latest")).Trim());
        Assert.Equal(stoppedIn - 1, CheckpointFolder.Load(root).State.Epoch);
        using var document = JsonDocument.Parse(File.ReadAllText(metrics));
        Assert.Equal("interrupted", document.RootElement.GetProperty("ended").GetString());
        Assert.Equal(stoppedIn - 1, document.RootElement.GetProperty("epochs").GetArrayLength());
    }

    [Fact]
    public void A_process_killed_at_twenty_random_moments_always_leaves_a_latest_checkpoint_that_loads_and_resumes()
    {
        var root = folder.File("run");
        var random = new Random(2024);
        var killsAfterACheckpoint = 0;
        for (var kill = 0; kill < 20; kill++)
        {
            using (var process = StartTraining(root))
            {
                // One kill in four lands at any moment from the start (often before the first checkpoint);
                // the others land while checkpoints are being written, however slowly this machine starts.
                if (kill % 4 != 0)
                {
                    WaitFor(() => File.Exists(Path.Combine(root, "latest")), process);
                }
                Thread.Sleep(TimeSpan.FromMilliseconds(random.Next(kill % 4 == 0 ? 2000 : 400)));
                process.Kill();
                process.WaitForExit();
            }
            if (!Directory.Exists(root) || !Directory.EnumerateDirectories(root, "checkpoint-*").Any())
            {
                continue;
            }
            killsAfterACheckpoint++;
            var checkpoint = CheckpointFolder.Load(root);
            var resumed = CommandLine.Run("train", "--data-dir", folder.Path, "--resume", root,
                "--epochs", (checkpoint.State.Epoch + 1).ToString(System.Globalization.CultureInfo.InvariantCulture), "--quiet");
            Assert.True(resumed.ExitCode == 0, $"kill {kill}: resuming {checkpoint.Folder} failed: {resumed.Error}");
            Assert.Equal(checkpoint.State.Epoch + 1, CheckpointFolder.Load(root).State.Epoch);
        }
        // Most kills must land once checkpoints are being written, or the test proves nothing.
        Assert.True(killsAfterACheckpoint >= 15, $"only {killsAfterACheckpoint} of 20 kills came after a checkpoint");
    }

    private Process StartTraining(string root, params string[] extra) =>
        DescentProcess.Start(new Dictionary<string, string>(),
            ["train", "--data-dir", folder.Path, "--layers", "784-16-10", "--batch-size", "128", "--epochs", "100000",
                "--checkpoint", root, "--keep", "3", .. extra]);

    private static void WaitFor(Func<bool> condition, Process process)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.False(process.HasExited, "training ended before it could be signalled");
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60), "no checkpoint appeared within a minute");
            Thread.Sleep(20);
        }
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int processId, int signal);

    [System.Text.RegularExpressions.GeneratedRegex(@"^descent: (interrupted|terminated): stopped during epoch (\d+); .*checkpoint-\d+ holds the last finished epoch: resume with --resume ")]
    private static partial System.Text.RegularExpressions.Regex StoppedLine();
}
