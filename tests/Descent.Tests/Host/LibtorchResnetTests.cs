using System.Buffers.Binary;
using System.Globalization;
using System.Text.Json;
using Descent.Engine.Files;
using Descent.Tests.Data;
using Xunit;

namespace Descent.Tests.Host;

/// <summary>
/// PyTorch's semantics for a residual net with batch normalisation, against libtorch's own numbers: `descent train
/// --arch resnet --depth 8` from libtorch's initial weights on the same 32 MNIST images, two full-batch steps of SGD
/// with momentum and weight decay on weights only, gives libtorch's training losses, evaluation-mode losses, running
/// statistics, counters and weights within 1e-5 (Fixtures/LibtorchResnet8/README.md says how they were made).
/// </summary>
public sealed class LibtorchResnetTests : IDisposable
{
    private const double Tolerance = 1e-5;
    private const int TrainImages = 32;
    private const int TestImages = 32;
    private static readonly string Fixture = Path.Combine(AppContext.BaseDirectory, "Fixtures", "LibtorchResnet8");

    private readonly TemporaryFolder folder = new();

    public void Dispose() => folder.Dispose();

    [SkippableFact]
    public async Task A_resnet_trained_from_libtorch_weights_gives_libtorch_losses_statistics_and_weights()
    {
        var cache = await MnistFixture.CacheAsync();
        var data = Directory.CreateDirectory(folder.File("data")).FullName;
        WriteFirst(cache.Paths.TrainImages, Path.Combine(data, "train-images-idx3-ubyte"), TrainImages);
        WriteFirst(cache.Paths.TrainLabels, Path.Combine(data, "train-labels-idx1-ubyte"), TrainImages);
        WriteFirst(cache.Paths.TestImages, Path.Combine(data, "t10k-images-idx3-ubyte"), TestImages);
        WriteFirst(cache.Paths.TestLabels, Path.Combine(data, "t10k-labels-idx1-ubyte"), TestImages);
        var expectedSteps = ReadLibtorchLog(Path.Combine(Fixture, "libtorch-f64.log"));
        var metrics = folder.File("metrics.json");
        var model = folder.File("final.safetensors");

        // Every part of the recipe given: the resnet's own defaults (one-cycle, Nesterov, augmentation) are not the fixture's.
        var trained = CommandLine.Run("train", "--backend", "cpu", "--dataset", "mnist", "--data-dir", data, "--arch", "resnet",
            "--depth", "8", "--init", Path.Combine(Fixture, "init.safetensors"), "--epochs", $"{expectedSteps.Count}",
            "--batch-size", $"{TrainImages}", "--optimizer", "sgd", "--lr", "0.05", "--momentum", "0.9", "--nesterov", "false",
            "--weight-decay", "5e-4", "--decay-scope", "weights", "--schedule", "constant", "--augment", "none",
            "--normalize", "standardize", "--metrics-out", metrics, "--save", model, "--quiet");

        Assert.True(trained.ExitCode == 0, trained.Error);
        var steps = ReadTrainedEpochs(metrics);
        Assert.Equal(expectedSteps.Count, steps.Count);
        for (var step = 0; step < steps.Count; step++)
        {
            MetricsEpoch.AssertClose(expectedSteps[step].TrainLoss, steps[step].TrainLoss, Tolerance, $"training loss of step {step + 1}");
            MetricsEpoch.AssertClose(expectedSteps[step].EvalLoss, steps[step].EvalLoss, Tolerance, $"evaluation loss after step {step + 1}");
        }
        var expected = SafeTensors.Read(Path.Combine(Fixture, "libtorch-f64-final.safetensors")).Tensors.ToDictionary(tensor => tensor.Name);
        var actual = SafeTensors.Read(model).Tensors.ToDictionary(tensor => tensor.Name);
        Assert.Equal(expected.Keys.Order(), actual.Keys.Order());
        foreach (var (name, reference) in expected)
        {
            var tensor = actual[name];
            Assert.Equal(reference.DType, tensor.DType);
            Assert.Equal(reference.Shape, tensor.Shape);
            if (reference.Integers is { } counters)
            {
                Assert.Equal(counters, tensor.Integers!);
                continue;
            }
            // Relative to the tensor's largest value: a batch-norm bias starts at zero, so its own elements are tiny sums.
            var scale = reference.Values.Max(MathF.Abs);
            var deviation = reference.Values.Zip(tensor.Values, (a, b) => Math.Abs((double)a - b)).Max() / scale;
            Assert.True(deviation <= Tolerance, $"{name}: max |descent - libtorch| / max |libtorch| = {deviation:E2}");
        }
    }

    /// <summary>The first <paramref name="count"/> items of an IDX file (images or labels), the count in its header changed to match.</summary>
    private static void WriteFirst(string source, string target, int count)
    {
        var bytes = File.ReadAllBytes(source);
        var dimensions = bytes[3];
        var itemSize = 1;
        for (var d = 1; d < dimensions; d++)
        {
            itemSize *= BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(4 + 4 * d));
        }
        var header = 4 + 4 * dimensions;
        var subset = bytes[..(header + count * itemSize)];
        BinaryPrimitives.WriteInt32BigEndian(subset.AsSpan(4), count);
        File.WriteAllBytes(target, subset);
    }

    /// <summary>The peer's "step K train_loss L eval_loss E" lines.</summary>
    private static List<(double TrainLoss, double EvalLoss)> ReadLibtorchLog(string path) =>
        File.ReadLines(path).Select(line => line.Split(' ')).Where(words => words is ["step", _, "train_loss", _, "eval_loss", _])
            .Select(words => (double.Parse(words[3], CultureInfo.InvariantCulture), double.Parse(words[5], CultureInfo.InvariantCulture)))
            .ToList();

    /// <summary>The metrics file's rows of trained epochs (one full-batch step each): training loss and test-set loss.</summary>
    private static List<(double TrainLoss, double EvalLoss)> ReadTrainedEpochs(string path)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(path));
        return document.RootElement.GetProperty("epochs").EnumerateArray().Where(row => row.GetProperty("epoch").GetInt32() > 0)
            .Select(row => (row.GetProperty("train_loss").GetDouble(), row.GetProperty("test_loss").GetDouble()))
            .ToList();
    }
}
