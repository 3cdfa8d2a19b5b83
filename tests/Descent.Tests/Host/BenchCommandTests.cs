using System.Text.Json;
using Descent.Tests.Data;
using Xunit;

namespace Descent.Tests.Host;

/// <summary>`descent bench` end to end on a small hand-made MNIST-format folder.</summary>
public sealed class BenchCommandTests : IDisposable
{
    private readonly TemporaryFolder folder = new();

    public BenchCommandTests()
    {
        var images = new byte[64 * 28 * 28];
        new Random(1).NextBytes(images);
        var labels = Enumerable.Range(0, 64).Select(i => (byte)(i % 10)).ToArray();
        File.WriteAllBytes(folder.File("train-images-idx3-ubyte"), IdxBytes.Images(64, 28, 28, images));
        File.WriteAllBytes(folder.File("train-labels-idx1-ubyte"), IdxBytes.Labels(labels));
        File.WriteAllBytes(folder.File("t10k-images-idx3-ubyte"), IdxBytes.Images(64, 28, 28, images));
        File.WriteAllBytes(folder.File("t10k-labels-idx1-ubyte"), IdxBytes.Labels(labels));
    }

    public void Dispose() => folder.Dispose();

    [Fact]
    public void Bench_prints_a_row_per_backend_and_writes_schema_2_json()
    {
        var output = folder.File("bench.json");

        var outcome = CommandLine.Run("bench", "--data-dir", folder.Path, "--backend", "cpu", "--epochs", "2", "--batch-size", "16",
            "--out", output);

        Assert.Equal(0, outcome.ExitCode);
        Assert.Contains("backend cpu: ", outcome.Output);
        using var document = JsonDocument.Parse(File.ReadAllText(output));
        var root = document.RootElement;
        Assert.Equal(2, root.GetProperty("schema").GetInt32());
        Assert.False(string.IsNullOrEmpty(root.GetProperty("descent_version").GetString()));
        Assert.True(root.GetProperty("machine").GetProperty("logical_processors").GetInt32() > 0);
        var spec = root.GetProperty("spec");
        Assert.Equal([128, 10], spec.GetProperty("model").GetProperty("layers").EnumerateArray()
            .Where(l => l.GetProperty("type").GetString() == "linear").Select(l => l.GetProperty("outputs").GetInt32()));
        Assert.Equal(16, spec.GetProperty("batch_size").GetInt32());
        Assert.Equal(0.1, spec.GetProperty("schedule").GetProperty("learning_rate").GetDouble());
        Assert.Equal("sgd", spec.GetProperty("optimizer").GetProperty("kind").GetString());
        Assert.Equal(0, spec.GetProperty("optimizer").GetProperty("momentum").GetDouble());
        Assert.Equal(64, root.GetProperty("train_images").GetInt32());
        var result = Assert.Single(root.GetProperty("results").EnumerateArray());
        Assert.Equal("cpu", result.GetProperty("backend").GetString());
        Assert.False(string.IsNullOrEmpty(result.GetProperty("device").GetString()));
        Assert.True(result.GetProperty("seconds_per_epoch").GetDouble() > 0);
        Assert.True(result.GetProperty("images_per_second").GetDouble() > 0);
        Assert.Equal(2, result.GetProperty("epochs_timed").GetInt32());
        Assert.Empty(Directory.GetFiles(folder.Path, "*.tmp"));
    }

    [Fact]
    public void Bench_profile_prints_each_op_of_a_step_and_the_step_with_and_without_the_profile()
    {
        var outcome = CommandLine.Run("bench", "--data-dir", folder.Path, "--backend", "cpu", "--profile", "--steps", "2", "--batch-size", "16");

        Assert.True(outcome.ExitCode == 0, outcome.Error);
        Assert.Contains("op times from the wall clock", outcome.Output);
        Assert.Contains("GFLOP/s, measured now", outcome.Output);
        foreach (var op in new[] { "GatherBatch", "LinearForward", "SoftmaxCrossEntropy", "Gemm", "SgdUpdate", "(between ops)" })
        {
            Assert.Contains(op, outcome.Output);
        }
        Assert.Contains("step without the profile: ", outcome.Output);
    }

    [Theory]
    [InlineData("--steps", "0")]
    [InlineData("--steps", "5")]
    [InlineData("--out", "profile.json")]
    public void Bench_profile_refuses_steps_it_cannot_take_and_an_output_file_in_one_line(string option, string value)
    {
        var outcome = CommandLine.Run("bench", "--data-dir", folder.Path, "--backend", "cpu", "--profile", "--batch-size", "16", option,
            option == "--out" ? folder.File(value) : value);

        Assert.Equal(2, outcome.ExitCode);
        Assert.Single(outcome.Error.Trim().Split('\n'));
    }

    /// <summary>The libtorch peer's CNN setting: PyTorch's example net with dropout on, batch 64, plain SGD lr 0.05, one timed epoch.</summary>
    [Fact]
    public void Bench_arch_cnn_times_the_example_net_with_plain_sgd_at_batch_64()
    {
        var output = folder.File("bench.json");

        var outcome = CommandLine.Run("bench", "--data-dir", folder.Path, "--backend", "cpu", "--arch", "cnn", "--out", output);

        Assert.True(outcome.ExitCode == 0, outcome.Error);
        Assert.Contains("mnist 1x28x28-conv32k3-relu-conv64k3-relu-maxpool2-dropout0.25-flatten-128-relu-dropout0.5-10, batch 64, sgd lr 0.05", outcome.Output);
        using var document = JsonDocument.Parse(File.ReadAllText(output));
        var spec = document.RootElement.GetProperty("spec");
        Assert.Equal(["conv2d", "relu", "conv2d", "relu", "maxpool2d", "dropout", "flatten", "linear", "relu", "dropout", "linear"],
            spec.GetProperty("model").GetProperty("layers").EnumerateArray().Select(l => l.GetProperty("type").GetString()));
        Assert.Equal(64, spec.GetProperty("batch_size").GetInt32());
        Assert.Equal(0.05, spec.GetProperty("schedule").GetProperty("learning_rate").GetDouble());
        Assert.Equal("sgd", spec.GetProperty("optimizer").GetProperty("kind").GetString());
        Assert.Equal(1, Assert.Single(document.RootElement.GetProperty("results").EnumerateArray()).GetProperty("epochs_timed").GetInt32());
    }

    /// <summary>--arch resnet: bench times its own recipe, one epoch by default, with the spec `descent train` makes of the same options.</summary>
    [Fact]
    public void Bench_arch_resnet_times_one_epoch_of_the_recipe_train_uses()
    {
        string[] run = ["--data-dir", folder.Path, "--backend", "cpu", "--arch", "resnet", "--depth", "8"];
        var output = folder.File("bench.json");
        var metrics = folder.File("metrics.json");

        var timed = CommandLine.Run(["bench", .. run, "--out", output]);
        var trained = CommandLine.Run(["train", .. run, "--epochs", "2", "--quiet", "--metrics-out", metrics]);

        Assert.True(timed.ExitCode == 0, timed.Error);
        Assert.True(trained.ExitCode == 0, trained.Error);
        Assert.Contains("batch 128, sgd lr 0.1 nesterov momentum 0.9, one-cycle schedule", timed.Output);
        using var benchDocument = JsonDocument.Parse(File.ReadAllText(output));
        using var trainDocument = JsonDocument.Parse(File.ReadAllText(metrics));
        Assert.Equal(trainDocument.RootElement.GetProperty("spec").GetRawText(), benchDocument.RootElement.GetProperty("spec").GetRawText());
        Assert.Equal(1, Assert.Single(benchDocument.RootElement.GetProperty("results").EnumerateArray()).GetProperty("epochs_timed").GetInt32());
    }

    [Fact]
    public void Bench_layers_in_the_train_grammar_are_checked_before_the_data_is_read()
    {
        var outcome = CommandLine.Run("bench", "--data-dir", folder.File("missing"), "--backend", "cpu", "--layers", "1x28x28-conv4k3-10");

        Assert.Equal(2, outcome.ExitCode);
        Assert.Contains("put flatten before it", outcome.Error);
    }

    [Fact]
    public void Zero_epochs_is_bad_input()
    {
        var outcome = CommandLine.Run("bench", "--data-dir", folder.Path, "--backend", "cpu", "--epochs", "0");

        CommandLine.AssertOneLineError(outcome, 2, "--epochs must be 1 or more, got 0");
    }

    /// <summary>
    /// Bench takes train's options from one definition and builds its run with train's builder: the same options
    /// make the same spec (bench plans its warm-up epoch and the timed ones, so train's two epochs meet bench's one timed).
    /// </summary>
    [Theory]
    [InlineData("--normalize", "standardize")]
    [InlineData("--normalize", "0.5,0.25")]
    [InlineData("--optimizer", "adamw")]
    [InlineData("--optimizer", "adadelta")]
    [InlineData("--schedule", "cosine")]
    public void The_same_options_make_the_same_spec_in_train_and_bench(string option, string value)
    {
        string[] run = ["--data-dir", folder.Path, "--backend", "cpu", "--layers", "784-16-10", "--lr", "0.01", "--momentum", "0",
            "--batch-size", "16", "--seed", "7", option, value];
        var metrics = folder.File("metrics.json");
        var output = folder.File("bench.json");

        var trained = CommandLine.Run(["train", .. run, "--epochs", "2", "--quiet", "--metrics-out", metrics]);
        var timed = CommandLine.Run(["bench", .. run, "--epochs", "1", "--out", output]);

        Assert.True(trained.ExitCode == 0, trained.Error);
        Assert.True(timed.ExitCode == 0, timed.Error);
        using var trainDocument = JsonDocument.Parse(File.ReadAllText(metrics));
        using var benchDocument = JsonDocument.Parse(File.ReadAllText(output));
        Assert.Equal(trainDocument.RootElement.GetProperty("spec").GetRawText(), benchDocument.RootElement.GetProperty("spec").GetRawText());
    }

    /// <summary>Options left to their defaults: bench's differ from train's only where the peer's settings do (the rate, no momentum).</summary>
    [Fact]
    public void Bench_defaults_are_the_architectures_but_for_the_peers_rate_and_momentum()
    {
        var output = folder.File("bench.json");

        var outcome = CommandLine.Run("bench", "--data-dir", folder.Path, "--backend", "cpu", "--epochs", "1", "--optimizer", "adamw", "--out", output);

        Assert.True(outcome.ExitCode == 0, outcome.Error);
        using var document = JsonDocument.Parse(File.ReadAllText(output));
        var spec = document.RootElement.GetProperty("spec");
        Assert.Equal("adamw", spec.GetProperty("optimizer").GetProperty("kind").GetString());
        Assert.Equal(0.01, spec.GetProperty("optimizer").GetProperty("weight_decay").GetDouble());
        Assert.Equal(128, spec.GetProperty("batch_size").GetInt32());
        Assert.Equal("unit", spec.GetProperty("normalization").GetProperty("kind").GetString());
        Assert.Equal(2, spec.GetProperty("schedule").GetProperty("epochs").GetInt32());
    }

    public static TheoryData<string[]> BadRunOptions => new()
    {
        { ["--batch-size", "0"] },
        { ["--lr", "-1"] },
        { ["--momentum", "-0.5"] },
        { ["--weight-decay", "-1"] },
        { ["--optimizer", "sgdx"] },
        { ["--normalize", "bogus"] },
        { ["--normalize", "0.5,0"] },
        { ["--schedule", "step", "--step-size", "0"] },
        { ["--schedule", "step", "--gamma", "2"] },
        { ["--layers", "784-30-5"] },
        { ["--layers", "1x28x28-conv4k3-10"] },
        { ["--arch", "cnn", "--activation", "tanh"] },
        { ["--dataset", "mnist-3-7", "--loss", "cross-entropy", "--layers", "784-1"] },
        { ["--seed", "many"] },
    };

    /// <summary>A bad value is refused before any data is read, in the same one line, by bench as by train.</summary>
    [Theory]
    [MemberData(nameof(BadRunOptions))]
    public void Bench_refuses_bad_run_options_with_trains_one_line_error(string[] options)
    {
        string[] common = ["--data-dir", folder.File("missing"), "--backend", "cpu", .. options];

        var trained = CommandLine.Run(["train", .. common]);
        var timed = CommandLine.Run(["bench", .. common]);

        var line = CommandLine.AssertOneLineError(trained, 2, "");
        Assert.Equal(line, CommandLine.AssertOneLineError(timed, 2, ""));
    }

    [Theory]
    [InlineData("--valid-split", "0.1")]
    [InlineData("--resume", "run")]
    [InlineData("--arch", "linear")]
    public void Bench_refuses_what_it_does_not_time(string option, string value)
    {
        var outcome = CommandLine.Run("bench", "--data-dir", folder.Path, "--backend", "cpu", option, value);

        CommandLine.AssertOneLineError(outcome, 2, "");
    }

    [Fact]
    public void Bench_gemm_times_each_gemm_the_backend_has_and_writes_json()
    {
        var output = folder.File("gemm.json");

        var outcome = CommandLine.Run("bench", "gemm", "--backend", "cpu", "--size", "96", "--seconds", "0.05", "--out", output);

        Assert.Equal(0, outcome.ExitCode);
        using var document = JsonDocument.Parse(File.ReadAllText(output));
        var results = document.RootElement.GetProperty("results").EnumerateArray().ToList();
        Assert.Equal(["naive", "cache-blocked"], results.Select(result => result.GetProperty("algorithm").GetString()));
        Assert.All(results, result =>
        {
            Assert.Equal(96, result.GetProperty("size").GetInt32());
            Assert.True(result.GetProperty("gflops_per_second").GetDouble() > 0);
            Assert.True(result.GetProperty("runs").GetInt32() >= 1);
        });
        Assert.Contains("cache-blocked", outcome.Output);
    }

    [Theory]
    [InlineData("--size", "0")]
    [InlineData("--size", "20000")]
    [InlineData("--seconds", "0")]
    [InlineData("--algorithm", "register-blocks")]
    public void Bench_gemm_refuses_bad_settings_before_timing(string option, string value)
    {
        var outcome = CommandLine.Run("bench", "gemm", "--backend", "cpu", "--size", "8", option, value);

        Assert.Equal(2, outcome.ExitCode);
        Assert.Single(outcome.ErrorLines);
    }
}
