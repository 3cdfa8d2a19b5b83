using System.Text.Json;
using Descent.Engine.Checkpoints;
using Descent.Tests.Data;
using Xunit;

namespace Descent.Tests.Host;

/// <summary>
/// `descent train --checkpoint`, `--resume`, `--keep`, `--early-stop` end to end: the folder's layout, a
/// resumed run equal to one never interrupted (bit for bit, figures and weights), options that contradict
/// a checkpoint refused, and how a run ended recorded in its metrics file.
/// </summary>
public sealed class CheckpointTests : IDisposable
{
    private readonly TemporaryFolder folder = new();

    public CheckpointTests() => DigitFolder.Write(folder, train: 300, test: 40);

    public void Dispose() => folder.Dispose();

    public static TheoryData<string, string[]> Runs => new()
    {
        { "cpu", ["--optimizer", "sgd", "--momentum", "0.9", "--lr", "0.05"] },
        { "cpu", ["--optimizer", "adamw", "--lr", "0.01", "--schedule", "step", "--step-size", "1", "--gamma", "0.5"] },
        { "ilgpu-cpu", ["--optimizer", "sgd", "--momentum", "0.9", "--lr", "0.05"] },
        { "reference", ["--optimizer", "adamw", "--lr", "0.01", "--schedule", "step", "--step-size", "1", "--gamma", "0.5"] },
    };

    [Theory]
    [MemberData(nameof(Runs))]
    public void A_run_resumed_after_two_epochs_matches_one_never_interrupted_bit_for_bit(string backend, string[] optimizer)
    {
        var straight = Train(["--backend", backend, .. optimizer, "--epochs", "4", "--metrics-out", folder.File("straight.json"),
            "--save", folder.File("straight.safetensors")]);
        var firstHalf = Train(["--backend", backend, .. optimizer, "--epochs", "2", "--checkpoint", folder.File("run")]);
        var resumed = Train(["--backend", backend, "--resume", folder.File("run"), "--epochs", "4", "--metrics-out", folder.File("resumed.json"),
            "--save", folder.File("resumed.safetensors")]);

        Assert.Equal(0, straight.ExitCode);
        Assert.Equal(0, firstHalf.ExitCode);
        Assert.Equal(0, resumed.ExitCode);
        Assert.Contains($"resuming from {folder.File("run")}/checkpoint-2 after epoch 2", resumed.Output);
        // The resumed metrics file holds all four epochs: two from the checkpoint, two trained now.
        Assert.Equal(Losses(folder.File("straight.json")), Losses(folder.File("resumed.json")));
        Assert.Equal(File.ReadAllBytes(folder.File("straight.safetensors")), File.ReadAllBytes(folder.File("resumed.safetensors")));
    }

    [Fact]
    public void A_one_cycle_run_resumed_mid_run_matches_one_never_interrupted_bit_for_bit()
    {
        // One-cycle is planned over the run's epochs, so the resumed run starts from the straight run's own checkpoint of
        // epoch 2, its steps' rates carrying on from global step 2 x steps-per-epoch.
        string[] run = ["--backend", "cpu", "--optimizer", "sgd", "--momentum", "0.9", "--nesterov", "--lr", "0.05", "--schedule", "one-cycle",
            "--label-smoothing", "0.1", "--epochs", "4"];
        var straight = Train([.. run, "--metrics-out", folder.File("straight.json"), "--save", folder.File("straight.safetensors"),
            "--checkpoint", folder.File("run"), "--keep", "0"]);
        var midRun = folder.File("mid");
        CopyFolder(Path.Combine(folder.File("run"), "checkpoint-2"), Path.Combine(midRun, "checkpoint-2"));
        File.WriteAllText(Path.Combine(midRun, "latest"), "checkpoint-2\n");
        var resumed = Train(["--backend", "cpu", "--resume", midRun, "--epochs", "4", "--metrics-out", folder.File("resumed.json"),
            "--save", folder.File("resumed.safetensors")]);

        Assert.Equal(0, straight.ExitCode);
        Assert.True(resumed.ExitCode == 0, resumed.Error);
        Assert.Contains($"resuming from {midRun}/checkpoint-2 after epoch 2", resumed.Output);
        Assert.Equal(Losses(folder.File("straight.json")), Losses(folder.File("resumed.json")));
        Assert.Equal(File.ReadAllBytes(folder.File("straight.safetensors")), File.ReadAllBytes(folder.File("resumed.safetensors")));
    }

    [Fact]
    public void Each_epoch_writes_a_complete_checkpoint_latest_names_the_newest_and_keep_prunes_all_but_best()
    {
        // The folder and its missing parents are made, as for any run folder.
        var root = Path.Combine(folder.Path, "runs", "mlp");

        var outcome = Train("--epochs", "4", "--valid-split", "0.2", "--checkpoint", root, "--keep", "2");

        Assert.Equal(0, outcome.ExitCode);
        Assert.Equal([".lock", "best", "checkpoint-3", "checkpoint-4", "latest"], Directory.GetFileSystemEntries(root).Select(Path.GetFileName).Order());
        Assert.Equal("checkpoint-4", File.ReadAllText(Path.Combine(root, "latest")).Trim());
        Assert.All(new[] { "checkpoint-3", "checkpoint-4", "best" }, name => Assert.Equal(
            ["model.safetensors", "optimizer.safetensors", "state.json"],
            Directory.GetFiles(Path.Combine(root, name)).Select(Path.GetFileName).Order()));
        using var best = JsonDocument.Parse(File.ReadAllText(Path.Combine(root, "best", "state.json")));
        var bestEpoch = best.RootElement.GetProperty("best_epoch").GetInt32();
        Assert.Equal(bestEpoch, best.RootElement.GetProperty("epoch").GetInt32());
        var validLosses = best.RootElement.GetProperty("history").EnumerateArray().Select(row => row.GetProperty("valid_loss").GetDouble()).ToList();
        Assert.Equal(validLosses.Min(), validLosses[bestEpoch - 1]);
        using var latest = JsonDocument.Parse(File.ReadAllText(Path.Combine(root, "checkpoint-4", "state.json")));
        Assert.Equal(4, latest.RootElement.GetProperty("epoch").GetInt32());
        Assert.Equal(4 * 2, latest.RootElement.GetProperty("global_step").GetInt64());
    }

    [Fact]
    public void A_checkpoint_folder_is_a_model_for_eval_meaning_its_latest_checkpoint()
    {
        var root = folder.File("run");
        Train("--epochs", "2", "--checkpoint", root, "--save", folder.File("model.safetensors"));

        var fromFolder = CommandLine.Run("eval", root, "--data-dir", folder.Path, "--json");
        var fromFile = CommandLine.Run("eval", folder.File("model.safetensors"), "--data-dir", folder.Path, "--json");

        Assert.Equal(0, fromFolder.ExitCode);
        using var a = JsonDocument.Parse(fromFolder.Output);
        using var b = JsonDocument.Parse(fromFile.Output);
        Assert.Equal(b.RootElement.GetProperty("loss").GetDouble(), a.RootElement.GetProperty("loss").GetDouble());
    }

    [Fact]
    public void Checkpointing_without_a_validation_split_says_it_keeps_no_best()
    {
        var root = folder.File("run");

        var outcome = Train("--epochs", "1", "--checkpoint", root);

        Assert.Equal(0, outcome.ExitCode);
        Assert.Contains("writes no best/", outcome.Error);
        Assert.False(Directory.Exists(Path.Combine(root, "best")));
    }

    [Theory]
    [InlineData("--layers", "784-32-10", "the checkpoint's model is 784-16-relu-10, but the options ask for 784-32-relu-10")]
    [InlineData("--optimizer", "adamw", "the checkpoint's optimizer.kind is sgd, but the options ask for adamw")]
    [InlineData("--dataset", "mnist-3-7", "the checkpoint's dataset is mnist, but the options ask for mnist-3-7")]
    [InlineData("--lr", "0.5", "the checkpoint's schedule.learning_rate is 0.05, but the options ask for 0.5")]
    [InlineData("--seed", "7", "the checkpoint's seed is 42, but the options ask for 7")]
    [InlineData("--init", "model.safetensors", "--init and --resume both say where the weights come from")]
    public void An_option_that_contradicts_the_checkpoint_is_bad_usage_naming_the_difference(string option, string value, string message)
    {
        var root = folder.File("run");
        Assert.Equal(0, Train("--epochs", "1", "--checkpoint", root, "--save", folder.File("model.safetensors")).ExitCode);

        var outcome = Train("--resume", root, option, value == "model.safetensors" ? folder.File(value) : value, "--epochs", "2");

        Assert.Equal(2, outcome.ExitCode);
        Assert.Contains(message, Assert.Single(outcome.ErrorLines));
        Assert.Equal("checkpoint-1", File.ReadAllText(Path.Combine(root, "latest")).Trim());
    }

    [Theory]
    [InlineData("missing folder")]
    [InlineData("empty folder")]
    [InlineData("a file")]
    [InlineData("broken state")]
    [InlineData("another architecture")]
    [InlineData("truncated optimizer state")]
    public void A_missing_or_broken_checkpoint_is_refused_in_one_line(string kind)
    {
        var root = folder.File("run");
        Assert.Equal(0, Train("--epochs", "1", "--checkpoint", root).ExitCode);
        var checkpoint = Path.Combine(root, "checkpoint-1");
        var path = root;
        switch (kind)
        {
            case "missing folder":
                path = folder.File("nowhere");
                break;
            case "empty folder":
                path = folder.File("empty");
                Directory.CreateDirectory(path);
                break;
            case "a file":
                path = Path.Combine(checkpoint, "state.json");
                break;
            case "broken state":
                File.WriteAllText(Path.Combine(checkpoint, "state.json"), "{\"schema\": 1, \"epoch\": \"one\"}");
                break;
            case "another architecture":
                Assert.Equal(0, Train("--layers", "784-8-10", "--epochs", "1", "--save", folder.File("other.safetensors")).ExitCode);
                File.Copy(folder.File("other.safetensors"), Path.Combine(checkpoint, "model.safetensors"), overwrite: true);
                break;
            case "truncated optimizer state":
                var optimizer = Path.Combine(checkpoint, "optimizer.safetensors");
                File.WriteAllBytes(optimizer, File.ReadAllBytes(optimizer)[..100]);
                break;
        }

        var outcome = Train("--resume", path, "--epochs", "2");

        Assert.Equal(2, outcome.ExitCode);
        Assert.StartsWith("descent: error: ", Assert.Single(outcome.ErrorLines));
    }

    [Theory]
    [InlineData("../elsewhere/checkpoint-1", "names ../elsewhere/checkpoint-1, which is not a checkpoint-N folder in")]
    [InlineData("/tmp/checkpoint-1", "names /tmp/checkpoint-1, which is not a checkpoint-N folder in")]
    [InlineData("checkpoint-9", "names checkpoint-9, which is missing or incomplete")]
    [InlineData("", "is empty")]
    [InlineData(null, "has no latest file")]
    public void A_latest_that_names_nothing_valid_falls_back_to_the_newest_checkpoint_and_says_so(string? latest, string message)
    {
        var root = folder.File("run");
        Assert.Equal(0, Train("--epochs", "2", "--checkpoint", root).ExitCode);
        // A complete checkpoint outside the folder, which "latest" must never lead to.
        var elsewhere = Path.Combine(folder.File("elsewhere"), "checkpoint-1");
        Directory.CreateDirectory(Path.GetDirectoryName(elsewhere)!);
        CopyFolder(Path.Combine(root, "checkpoint-1"), elsewhere);
        var latestPath = Path.Combine(root, "latest");
        if (latest is null)
        {
            File.Delete(latestPath);
        }
        else
        {
            File.WriteAllText(latestPath, latest + "\n");
        }

        var evaluated = CommandLine.Run("eval", root, "--data-dir", folder.Path, "--json");
        var resumed = Train("--resume", root, "--epochs", "3");

        Assert.True(resumed.ExitCode == 0, resumed.Error);
        Assert.Contains($"resuming from {root}/checkpoint-2 after epoch 2", resumed.Output);
        foreach (var outcome in new[] { resumed, evaluated })
        {
            var line = Assert.Single(outcome.ErrorLines, l => l.Contains("the newest complete checkpoint"));
            Assert.Contains(message, line);
            Assert.EndsWith("using checkpoint-2, the newest complete checkpoint", line);
        }
        Assert.Equal(0, evaluated.ExitCode);
        using var _ = JsonDocument.Parse(evaluated.Output);
    }

    private static void CopyFolder(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from))
        {
            File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        }
    }

    [Fact]
    public void Early_stop_without_a_split_holds_out_a_tenth_and_stops_after_the_patience_runs_out()
    {
        var metrics = folder.File("metrics.json");

        // A rate this small leaves the validation loss where it was: the first epoch stays the best.
        var outcome = Train("--epochs", "10", "--lr", "1e-30", "--early-stop", "2", "--metrics-out", metrics);

        Assert.Equal(0, outcome.ExitCode);
        Assert.Contains("holding out 10% of the training set", outcome.Error);
        Assert.Contains("stopping early: no lower validation loss for 2 epochs", outcome.Error);
        Assert.Contains("valid_loss", outcome.Output);
        Assert.Contains("270 training, 30 validation (held out from training) images", outcome.Output);
        using var document = JsonDocument.Parse(File.ReadAllText(metrics));
        Assert.Equal("stopped-early", document.RootElement.GetProperty("ended").GetString());
        Assert.Equal(3, document.RootElement.GetProperty("epochs").GetArrayLength());
    }

    [Fact]
    public void A_diverged_run_is_recorded_as_diverged_and_leaves_no_diverged_checkpoint()
    {
        var metrics = folder.File("metrics.json");
        var root = folder.File("run");

        var outcome = Train("--epochs", "3", "--lr", "1e30", "--checkpoint", root, "--metrics-out", metrics);

        Assert.Equal(4, outcome.ExitCode);
        using var document = JsonDocument.Parse(File.ReadAllText(metrics));
        Assert.Equal("diverged", document.RootElement.GetProperty("ended").GetString());
        Assert.Empty(Directory.GetDirectories(root));
        Assert.False(File.Exists(Path.Combine(root, "latest")));
    }

    [Fact]
    public void A_completed_run_is_recorded_as_completed()
    {
        var metrics = folder.File("metrics.json");

        Assert.Equal(0, Train("--epochs", "1", "--metrics-out", metrics).ExitCode);

        using var document = JsonDocument.Parse(File.ReadAllText(metrics));
        Assert.Equal("completed", document.RootElement.GetProperty("ended").GetString());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void The_evaluation_loss_is_test_loss_without_a_split_and_valid_loss_with_one_in_metrics_and_checkpoints(bool split)
    {
        var metrics = folder.File("metrics.json");
        var root = folder.File("run");
        string[] splitOptions = split ? ["--valid-split", "0.2"] : [];

        Assert.Equal(0, Train(["--epochs", "2", .. splitOptions, "--checkpoint", root, "--metrics-out", metrics]).ExitCode);

        var (used, unused) = split ? ("valid_loss", "test_loss") : ("test_loss", "valid_loss");
        using var document = JsonDocument.Parse(File.ReadAllText(metrics));
        Assert.Equal(3, document.RootElement.GetProperty("schema").GetInt32());
        using var state = JsonDocument.Parse(File.ReadAllText(Path.Combine(root, "checkpoint-2", "state.json")));
        Assert.Equal(2, state.RootElement.GetProperty("schema").GetInt32());
        Assert.All(document.RootElement.GetProperty("epochs").EnumerateArray().Concat(state.RootElement.GetProperty("history").EnumerateArray()), row =>
        {
            Assert.True(row.GetProperty(used).GetDouble() > 0);
            Assert.False(row.TryGetProperty(unused, out _));
        });
        // Only a validation split chooses a best; the test set never does, so without one there is no best loss to name.
        Assert.Equal(split, state.RootElement.TryGetProperty("best_valid_loss", out _));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_checkpoint_written_in_schema_1_with_valid_loss_for_every_row_still_resumes_as_before(bool split)
    {
        string[] splitOptions = split ? ["--valid-split", "0.2"] : [];
        Assert.Equal(0, Train(["--epochs", "3", .. splitOptions, "--metrics-out", folder.File("straight.json")]).ExitCode);
        var root = folder.File("run");
        Assert.Equal(0, Train(["--epochs", "2", .. splitOptions, "--checkpoint", root]).ExitCode);
        var statePath = Path.Combine(root, "checkpoint-2", "state.json");
        var state = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(statePath))!.AsObject();
        var bestBefore = state["best_valid_loss"]?.GetValue<double>();
        // Schema 1, as Descent wrote it before: every row's evaluation loss under valid_loss, and best_valid_loss always present.
        state["schema"] = 1;
        state["best_valid_loss"] = bestBefore;
        foreach (var row in state["history"]!.AsArray())
        {
            var evaluation = row!["test_loss"] ?? row["valid_loss"];
            row.AsObject().Remove("test_loss");
            row.AsObject().Remove("valid_loss");
            row["valid_loss"] = evaluation!.GetValue<double>();
        }
        File.WriteAllText(statePath, state.ToJsonString());

        var resumed = Train("--resume", root, "--epochs", "3", "--metrics-out", folder.File("resumed.json"));

        Assert.True(resumed.ExitCode == 0, resumed.Error);
        Assert.Equal(Losses(folder.File("straight.json")), Losses(folder.File("resumed.json")));
        using var after = JsonDocument.Parse(File.ReadAllText(Path.Combine(root, "checkpoint-3", "state.json")));
        Assert.Equal(2, after.RootElement.GetProperty("schema").GetInt32());
        if (split)
        {
            Assert.NotNull(bestBefore);
            Assert.True(after.RootElement.GetProperty("best_valid_loss").GetDouble() <= bestBefore);
        }
    }

    /// <summary>Trains on the digit folder; a 784-16-10 model unless the arguments name the model or resume one.</summary>
    private CommandLine.Outcome Train(params string[] args) =>
        CommandLine.Run(["train", "--data-dir", folder.Path, .. args.Contains("--layers") || args.Contains("--resume") ? [] : ModelOptions, .. args]);

    private static readonly string[] ModelOptions = ["--layers", "784-16-10", "--batch-size", "128"];

    private static List<(double, double, double)> Losses(string metricsPath)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(metricsPath));
        return document.RootElement.GetProperty("epochs").EnumerateArray()
            .Select(row => (row.GetProperty("train_loss").GetDouble(),
                (row.TryGetProperty("test_loss", out var test) ? test : row.GetProperty("valid_loss")).GetDouble(),
                row.GetProperty("accuracy").GetDouble()))
            .ToList();
    }
}
