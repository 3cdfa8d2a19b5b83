using System.Text.Json;
using Descent.Engine.Files;
using Descent.Kernels;
using Descent.Tests.Data;
using Descent.Tests.Vulkan;
using Xunit;

namespace Descent.Tests.Host;

/// <summary>
/// Batch normalisation through `descent train` end to end on every backend, on the hand-made digit folder: a
/// small conv net with BatchNorm2d after its convolution and BatchNorm1d after its hidden linear layer learns,
/// is saved under PyTorch's names with the running statistics as F32 and num_batches_tracked as I64, and
/// `descent eval` of the file (the running statistics) gives training's own last figures; a run resumed after two
/// epochs matches one never interrupted, bit for bit; a training batch of one value per channel is refused.
/// </summary>
public sealed class BatchNormTrainingTests : IDisposable
{
    /// <summary>4x14x14 after the convolution, normalised per channel; 16 hidden features, normalised per feature.</summary>
    private const string NormalisedNet = "1x28x28-conv4k3s2p1-bn-relu-flatten-16-bn-relu-10";

    private const int TrainImages = 200;
    private const int TestImages = 40;
    private const int BatchSize = 20;

    /// <summary>What torch.nn.Sequential names the same modules (relu and flatten hold no tensors).</summary>
    private static readonly string[] ModuleTreeNames =
    [
        "0.weight", "0.bias",
        "1.weight", "1.bias", "1.running_mean", "1.running_var", "1.num_batches_tracked",
        "4.weight", "4.bias",
        "5.weight", "5.bias", "5.running_mean", "5.running_var", "5.num_batches_tracked",
        "7.weight", "7.bias",
    ];

    private readonly TemporaryFolder folder = new();

    public BatchNormTrainingTests() => DigitFolder.Write(folder, train: TrainImages, test: TestImages);

    public void Dispose() => folder.Dispose();

    public static TheoryData<string> AllBackends() =>
        [Backends.ReferenceName, Backends.CpuName, Backends.IlgpuCpuName, Backends.VulkanName];

    [SkippableTheory]
    [MemberData(nameof(AllBackends))]
    public void A_normalised_net_learns_is_saved_under_pytorch_names_and_evaluates_with_its_running_statistics(string backend)
    {
        VulkanAvailability.SkipUnlessAvailable(backend);
        var model = folder.File("bn.safetensors");
        var metrics = folder.File("bn.json");

        var trained = Train("--backend", backend, "--layers", NormalisedNet, "--epochs", "3", "--batch-size", $"{BatchSize}",
            "--metrics-out", metrics, "--save", model);
        var evaluated = CommandLine.Run("eval", model, "--data-dir", folder.Path, "--backend", backend, "--json");

        Assert.True(trained.ExitCode == 0, trained.Error);
        Assert.True(evaluated.ExitCode == 0, evaluated.Error);
        var epochs = MetricsEpoch.Read(metrics);
        Assert.True(epochs[^1].TrainLoss < 0.8 * epochs[0].TrainLoss, $"training loss {epochs[0].TrainLoss} -> {epochs[^1].TrainLoss}");
        Assert.True(epochs[^1].Accuracy >= 0.4, $"accuracy {epochs[^1].Accuracy} after three epochs");
        var file = SafeTensors.Read(model);
        Assert.Equal(ModuleTreeNames, file.Tensors.Select(tensor => tensor.Name));
        foreach (var statistic in new[] { "1.running_mean", "1.running_var" })
        {
            var tensor = file.Tensors.Single(tensor => tensor.Name == statistic);
            Assert.Equal("F32", tensor.DType);
            Assert.Equal([4], tensor.Shape);
        }
        // The running statistics moved away from their start (zeros and ones).
        Assert.Contains(file.Tensors.Single(tensor => tensor.Name == "1.running_mean").Values, value => value != 0f);
        Assert.Contains(file.Tensors.Single(tensor => tensor.Name == "5.running_var").Values, value => value != 1f);
        foreach (var counter in new[] { "1.num_batches_tracked", "5.num_batches_tracked" })
        {
            var tensor = file.Tensors.Single(tensor => tensor.Name == counter);
            Assert.Equal("I64", tensor.DType);
            Assert.Empty(tensor.Shape);
            // One per training batch: 3 epochs of 200 / 20.
            Assert.Equal([3L * TrainImages / BatchSize], tensor.Integers!);
        }
        // The file alone rebuilds the graph and its running statistics: the same test set gives the last epoch's figures.
        using var json = JsonDocument.Parse(evaluated.Output);
        Assert.Equal(TestImages, json.RootElement.GetProperty("items").GetInt32());
        MetricsEpoch.AssertClose(epochs[^1].TestLoss, json.RootElement.GetProperty("loss").GetDouble(), 1e-6, "eval's loss against training's");
        Assert.Equal(epochs[^1].Accuracy, json.RootElement.GetProperty("accuracy").GetDouble());
    }

    [SkippableTheory]
    [MemberData(nameof(AllBackends))]
    public void A_normalised_run_resumed_after_two_epochs_matches_one_never_interrupted_bit_for_bit(string backend)
    {
        VulkanAvailability.SkipUnlessAvailable(backend);
        string[] options = ["--backend", backend, "--layers", NormalisedNet, "--batch-size", $"{BatchSize}"];

        var straight = Train([.. options, "--epochs", "3", "--metrics-out", folder.File("straight.json"), "--save", folder.File("straight.safetensors")]);
        var firstTwo = Train([.. options, "--epochs", "2", "--checkpoint", folder.File("run")]);
        var resumed = Train(["--backend", backend, "--resume", folder.File("run"), "--epochs", "3", "--metrics-out", folder.File("resumed.json"),
            "--save", folder.File("resumed.safetensors")]);

        Assert.True(straight.ExitCode == 0, straight.Error);
        Assert.True(firstTwo.ExitCode == 0, firstTwo.Error);
        Assert.True(resumed.ExitCode == 0, resumed.Error);
        Assert.Equal(3, MetricsEpoch.Read(folder.File("straight.json")).Count);
        Assert.Equal(MetricsEpoch.Read(folder.File("straight.json")), MetricsEpoch.Read(folder.File("resumed.json")));
        // Running statistics and counters included.
        Assert.Equal(File.ReadAllBytes(folder.File("straight.safetensors")), File.ReadAllBytes(folder.File("resumed.safetensors")));
    }

    [Fact]
    public void A_training_batch_of_one_value_per_feature_is_refused_with_exit_2_saying_why()
    {
        var trained = Train("--backend", Backends.CpuName, "--layers", "784-16-bn-relu-10", "--epochs", "1", "--batch-size", "1");

        Assert.Equal(2, trained.ExitCode);
        Assert.Contains("more than 1 value per channel", trained.Error);
    }

    [Fact]
    public void An_epoch_whose_last_batch_holds_one_row_is_refused_before_its_first_step()
    {
        var metrics = folder.File("refused.json");

        var trained = Train("--backend", Backends.CpuName, "--layers", "784-16-bn-relu-10", "--epochs", "1", "--batch-size", "199",
            "--metrics-out", metrics);

        Assert.Equal(2, trained.ExitCode);
        Assert.Contains($"the epoch's smallest batch has 1 of {TrainImages} items", trained.Error);
        Assert.False(File.Exists(metrics));
    }

    private CommandLine.Outcome Train(params string[] args) => CommandLine.Run(["train", "--data-dir", folder.Path, "--quiet", .. args]);
}
