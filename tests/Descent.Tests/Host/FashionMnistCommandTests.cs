using System.Text.Json;
using Descent.Engine.Data;
using Descent.Tests.Data;
using Xunit;

namespace Descent.Tests.Host;

/// <summary>
/// Real Fashion-MNIST through the command line, as the cache delivers it ($DESCENT_DATA, else
/// ~/.cache/descent): a short training run learns it, and eval names its classes.
/// </summary>
public sealed class FashionMnistCommandTests : IDisposable
{
    private readonly TemporaryFolder folder = new();

    public void Dispose() => folder.Dispose();

    [SkippableFact]
    public async Task A_short_training_run_learns_fashion_mnist_and_eval_names_its_classes()
    {
        await FashionMnistFixture.CacheAsync();
        var model = folder.File("fashion.safetensors");

        var trained = CommandLine.Run("train", "--dataset", "fashion-mnist", "--layers", "784-32-10", "--epochs", "1", "--save", model);

        Assert.Equal(0, trained.ExitCode);
        Assert.Contains("fashion-mnist: 60000 training, 10000 test images; model 784-32-10", trained.Output);
        var (_, accuracy) = CommandLine.LastEvaluation(trained.Output);
        // One epoch of a small MLP reaches about 0.8; guessing is 0.1.
        Assert.InRange(accuracy, 0.7, 1.0);

        var evaluated = CommandLine.Run("eval", model, "--json");

        Assert.Equal(0, evaluated.ExitCode);
        using var document = JsonDocument.Parse(evaluated.Output);
        Assert.Equal("fashion-mnist", document.RootElement.GetProperty("dataset").GetString());
        Assert.Equal(DatasetName.FashionMnist.ClassNames, document.RootElement.GetProperty("classes").EnumerateArray().Select(c => c.GetString()));
        Assert.Equal(10000, document.RootElement.GetProperty("items").GetInt32());
        Assert.Equal(accuracy, document.RootElement.GetProperty("accuracy").GetDouble(), 4);
    }
}
