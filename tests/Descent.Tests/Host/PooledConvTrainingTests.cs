using Descent.Engine.Files;
using Descent.Kernels;
using Descent.Tests.Data;
using Descent.Tests.Vulkan;
using Xunit;

namespace Descent.Tests.Host;

/// <summary>
/// Convolutions without bias and global average pooling through `descent train` end to end on every backend, on the
/// hand-made digit folder: the net learns (with AdamW: plain SGD moves a net that averages its maps away slowly), is saved with no bias for the bias-less convolutions, and a run resumed
/// after two epochs matches one never interrupted, bit for bit.
/// </summary>
public sealed class PooledConvTrainingTests : IDisposable
{
    /// <summary>Two strided convolutions without bias (as before batch normalisation), one with, then the mean of each 16-channel 7x7 map.</summary>
    private const string PooledNet = "1x28x28-conv8k3s2p1nb-relu-conv16k3s2p1nb-relu-conv16k3p1-relu-gap-flatten-10";

    /// <summary>PyTorch's names for the same nn.Sequential: convolutions 0 and 2 have bias=False, so only a weight.</summary>
    private static readonly string[] Names = ["0.weight", "2.weight", "4.weight", "4.bias", "8.weight", "8.bias"];

    private readonly TemporaryFolder folder = new();

    public PooledConvTrainingTests() => DigitFolder.Write(folder, train: 200, test: 40);

    public void Dispose() => folder.Dispose();

    public static TheoryData<string> AllBackends() =>
        [Backends.ReferenceName, Backends.CpuName, Backends.IlgpuCpuName, Backends.VulkanName];

    [SkippableTheory]
    [MemberData(nameof(AllBackends))]
    public void A_pooled_net_without_conv_biases_learns_saves_no_bias_for_them_and_resumes_bit_for_bit(string backend)
    {
        VulkanAvailability.SkipUnlessAvailable(backend);
        string[] options = ["--backend", backend, "--layers", PooledNet, "--batch-size", "20", "--optimizer", "adamw", "--lr", "0.01"];

        var straight = Train([.. options, "--epochs", "3", "--metrics-out", folder.File("straight.json"), "--save", folder.File("straight.safetensors")]);
        var firstTwo = Train([.. options, "--epochs", "2", "--checkpoint", folder.File("run")]);
        var resumed = Train(["--backend", backend, "--resume", folder.File("run"), "--epochs", "3", "--metrics-out", folder.File("resumed.json"),
            "--save", folder.File("resumed.safetensors")]);

        Assert.True(straight.ExitCode == 0, straight.Error);
        Assert.True(firstTwo.ExitCode == 0, firstTwo.Error);
        Assert.True(resumed.ExitCode == 0, resumed.Error);
        var losses = MetricsEpoch.Read(folder.File("straight.json")).Select(epoch => epoch.TrainLoss).ToList();
        Assert.True(losses[^1] < 0.9 * losses[0], $"training loss {losses[0]} -> {losses[^1]}");
        var file = SafeTensors.Read(folder.File("straight.safetensors"));
        Assert.Equal(Names, file.Tensors.Select(tensor => tensor.Name));
        Assert.Equal([10, 16], file.Tensors.Single(tensor => tensor.Name == "8.weight").Shape);
        Assert.Equal(losses, MetricsEpoch.Read(folder.File("resumed.json")).Select(epoch => epoch.TrainLoss));
        Assert.Equal(File.ReadAllBytes(folder.File("straight.safetensors")), File.ReadAllBytes(folder.File("resumed.safetensors")));
    }

    private CommandLine.Outcome Train(params string[] args) => CommandLine.Run(["train", "--data-dir", folder.Path, "--quiet", .. args]);
}
