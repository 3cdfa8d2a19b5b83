using System.Text.Json;
using Descent.Engine.Files;
using Descent.Engine.Layers;
using Descent.Kernels;
using Descent.Tests.Data;
using Descent.Tests.Vulkan;
using Xunit;

namespace Descent.Tests.Host;

/// <summary>
/// Residual nets through `descent train` end to end on every backend, on the hand-made digit folder: a net with
/// an identity block and a strided projection block learns, is saved under PyTorch's module-tree names, and
/// `descent eval` of the file gives training's own last figures; a run resumed after two epochs matches one
/// never interrupted, bit for bit; one epoch gives the same losses and weights on all four backends.
/// </summary>
public sealed class ResidualTrainingTests : IDisposable
{
    /// <summary>
    /// The README's residual net at half the channels, so that the reference backend, ILGPU's CPU accelerator
    /// and lavapipe run it in a second: 4x14x14 after the stem, 8x7x7 after the projection block.
    /// </summary>
    private const string ResidualNet =
        "1x28x28-conv4k3s2p1-relu-res(conv4k3p1-relu-conv4k3p1)-relu-res(conv8k3s2p1-relu-conv8k3p1+conv8k1s2)-relu-flatten-10";

    private const int TestImages = 40;

    /// <summary>What torch.nn names the same tree: nn.Sequential indices, each block's two nn.Sequential children body and shortcut.</summary>
    private static readonly string[] ModuleTreeNames =
    [
        "0.weight", "0.bias",
        "2.body.0.weight", "2.body.0.bias", "2.body.2.weight", "2.body.2.bias",
        "4.body.0.weight", "4.body.0.bias", "4.body.2.weight", "4.body.2.bias", "4.shortcut.0.weight", "4.shortcut.0.bias",
        "7.weight", "7.bias",
    ];

    private readonly TemporaryFolder folder = new();

    public ResidualTrainingTests() => DigitFolder.Write(folder, train: 200, test: TestImages);

    public void Dispose() => folder.Dispose();

    public static TheoryData<string> AllBackends() =>
        [Backends.ReferenceName, Backends.CpuName, Backends.IlgpuCpuName, Backends.VulkanName];

    [SkippableTheory]
    [MemberData(nameof(AllBackends))]
    public void A_residual_net_learns_is_saved_under_module_tree_names_and_evaluates_to_trainings_figures(string backend)
    {
        VulkanAvailability.SkipUnlessAvailable(backend);
        var model = folder.File("residual.safetensors");
        var metrics = folder.File("residual.json");

        var trained = Train("--backend", backend, "--layers", ResidualNet, "--epochs", "3", "--batch-size", "20",
            "--metrics-out", metrics, "--save", model);
        var evaluated = CommandLine.Run("eval", model, "--data-dir", folder.Path, "--backend", backend, "--json");

        Assert.True(trained.ExitCode == 0, trained.Error);
        Assert.True(evaluated.ExitCode == 0, evaluated.Error);
        var epochs = MetricsEpoch.Read(metrics);
        Assert.True(epochs[^1].TrainLoss < 0.8 * epochs[0].TrainLoss, $"training loss {epochs[0].TrainLoss} -> {epochs[^1].TrainLoss}");
        // Ten classes: chance is 0.1. Thirty steps on these separable digits reach well above it (0.6 here).
        Assert.True(epochs[^1].Accuracy >= 0.4, $"accuracy {epochs[^1].Accuracy} after three epochs");
        var file = SafeTensors.Read(model);
        Assert.Equal(ModuleTreeNames, file.Tensors.Select(tensor => tensor.Name));
        Assert.Equal([8, 4, 1, 1], file.Tensors.Single(tensor => tensor.Name == "4.shortcut.0.weight").Shape);
        Assert.Equal([10, 8 * 7 * 7], file.Tensors.Single(tensor => tensor.Name == "7.weight").Shape);
        // The file alone rebuilds the graph: the same test set gives the last epoch's loss and accuracy.
        using var json = JsonDocument.Parse(evaluated.Output);
        Assert.Equal(TestImages, json.RootElement.GetProperty("items").GetInt32());
        MetricsEpoch.AssertClose(epochs[^1].TestLoss, json.RootElement.GetProperty("loss").GetDouble(), 1e-6, "eval's loss against training's");
        Assert.Equal(epochs[^1].Accuracy, json.RootElement.GetProperty("accuracy").GetDouble());
    }

    [SkippableTheory]
    [MemberData(nameof(AllBackends))]
    public void A_residual_run_resumed_after_two_epochs_matches_one_never_interrupted_bit_for_bit(string backend)
    {
        VulkanAvailability.SkipUnlessAvailable(backend);
        string[] options = ["--backend", backend, "--layers", ResidualNet, "--batch-size", "20"];

        var straight = Train([.. options, "--epochs", "3", "--metrics-out", folder.File("straight.json"), "--save", folder.File("straight.safetensors")]);
        var firstTwo = Train([.. options, "--epochs", "2", "--checkpoint", folder.File("run")]);
        var resumed = Train(["--backend", backend, "--resume", folder.File("run"), "--epochs", "3", "--metrics-out", folder.File("resumed.json"),
            "--save", folder.File("resumed.safetensors")]);

        Assert.True(straight.ExitCode == 0, straight.Error);
        Assert.True(firstTwo.ExitCode == 0, firstTwo.Error);
        Assert.True(resumed.ExitCode == 0, resumed.Error);
        Assert.Equal(3, MetricsEpoch.Read(folder.File("straight.json")).Count);
        Assert.Equal(MetricsEpoch.Read(folder.File("straight.json")), MetricsEpoch.Read(folder.File("resumed.json")));
        Assert.Equal(File.ReadAllBytes(folder.File("straight.safetensors")), File.ReadAllBytes(folder.File("resumed.safetensors")));
        // SGD with momentum: one velocity for every parameter of every branch, laid out as the parameters' store (aligned views).
        var velocity = Assert.Single(SafeTensors.Read(Path.Combine(folder.File("run"), "checkpoint-2", "optimizer.safetensors")).Tensors);
        Assert.Equal("momentum_buffer.0", velocity.Name);
        using var device = Backends.Create(backend);
        Assert.Equal(ParameterStore.LengthFor(device, SafeTensors.Read(folder.File("straight.safetensors")).Tensors.Select(tensor => tensor.Values.Length)),
            velocity.Values.Length);
    }

    /// <summary>
    /// One epoch of the same seeded run: the reference backend (plain loops, double accumulation) against the
    /// CPU backend's blocked GEMM, ILGPU's kernels and the Vulkan shaders. They differ only in float rounding,
    /// so after ten steps the losses agree to 1e-4 and every weight to 1e-4 of the largest.
    /// </summary>
    [SkippableFact]
    public void One_epoch_gives_the_same_losses_and_weights_on_every_backend()
    {
        var (expectedEpoch, expectedWeights) = OneEpoch(Backends.ReferenceName);

        foreach (var backend in new[] { Backends.CpuName, Backends.IlgpuCpuName, Backends.VulkanName })
        {
            // Vulkan last: where it is missing the test is skipped after the other three agreed.
            VulkanAvailability.SkipUnlessAvailable(backend);
            var (epoch, weights) = OneEpoch(backend);

            MetricsEpoch.AssertClose(expectedEpoch.TrainLoss, epoch.TrainLoss, 1e-4, $"{backend}'s training loss against the reference's");
            MetricsEpoch.AssertClose(expectedEpoch.TestLoss, epoch.TestLoss, 1e-4, $"{backend}'s test loss against the reference's");
            // Rounding may move one test image across a decision boundary, no more.
            Assert.Equal(expectedEpoch.Accuracy, epoch.Accuracy, 1.0 / TestImages);
            foreach (var (expected, actual) in expectedWeights.Zip(weights))
            {
                Assert.Equal(expected.Name, actual.Name);
                var scale = expected.Values.Max(value => Math.Abs(value));
                var largest = expected.Values.Zip(actual.Values, (e, a) => Math.Abs(e - a)).Max();
                Assert.True(largest <= 1e-4 * scale, $"{backend}'s {actual.Name} differs from the reference's by {largest:E2} of {scale:E2}");
            }
        }
    }

    private (MetricsEpoch Epoch, IReadOnlyList<NamedTensor> Weights) OneEpoch(string backend)
    {
        var model = folder.File($"{backend}.safetensors");
        var metrics = folder.File($"{backend}.json");
        var trained = Train("--backend", backend, "--layers", ResidualNet, "--epochs", "1", "--batch-size", "20",
            "--metrics-out", metrics, "--save", model);
        Assert.True(trained.ExitCode == 0, trained.Error);
        return (Assert.Single(MetricsEpoch.Read(metrics)), SafeTensors.Read(model).Tensors);
    }

    private CommandLine.Outcome Train(params string[] args) => CommandLine.Run(["train", "--data-dir", folder.Path, "--quiet", .. args]);
}
