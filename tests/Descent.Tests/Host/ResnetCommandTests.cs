using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Descent.Engine.Files;
using Descent.Engine.Models;
using Descent.Engine.Training;
using Descent.Kernels;
using Descent.Tests.Data;
using Xunit;

namespace Descent.Tests.Host;

/// <summary>
/// `descent train --arch resnet --depth 8` end to end on the hand-made digit folder, on the CPU backend (the other backends'
/// ops are held to it by the conformance suite and the residual and batch-norm training tests): it learns with its default
/// recipe, saves under torchvision's names, resumes bit for bit, evaluates to training's figures and predicts; a state dict
/// written by another safetensors writer in torchvision's order loads with --init; depths, options and files that do not fit
/// are one line and exit 2.
/// </summary>
public sealed class ResnetCommandTests : IDisposable
{
    private const int TestImages = 40;

    private readonly TemporaryFolder folder = new();

    public ResnetCommandTests() => DigitFolder.Write(folder, train: 200, test: TestImages);

    public void Dispose() => folder.Dispose();

    [Fact]
    public void Resnet_8_learns_with_its_recipe_saves_torchvisions_names_evaluates_to_trainings_figures_and_predicts()
    {
        var model = folder.File("resnet.safetensors");
        var metrics = folder.File("resnet.json");

        var trained = Train("--epochs", "3", "--batch-size", "20", "--metrics-out", metrics, "--save", model);
        var evaluated = CommandLine.Run("eval", model, "--data-dir", folder.Path, "--backend", "cpu", "--json");
        var predicted = CommandLine.Run("predict", model, "--index", "3", "--data-dir", folder.Path, "--backend", "cpu", "--json");

        Assert.True(trained.ExitCode == 0, trained.Error);
        Assert.True(evaluated.ExitCode == 0, evaluated.Error);
        Assert.True(predicted.ExitCode == 0, predicted.Error);
        var epochs = MetricsEpoch.Read(metrics);
        // Ten separable classes, chance 0.1: thirty steps of the recipe reach far above it.
        Assert.True(epochs[^1].Accuracy >= 0.5, $"accuracy {epochs[^1].Accuracy} after three epochs");
        var (spec, _) = ModelWeights.ReadModel(model);
        Assert.Equal(ModelSpec.Resnet(new FeatureShape(1, 28, 28), 10, 8), spec.Model);
        // The recipe, recorded: Nesterov SGD, decay on weights only, one-cycle, crops without flips for digits.
        Assert.Equal(new OptimizerSettings(Descent.Engine.Optimizers.OptimizerKind.Sgd, 0.9f, 5e-4f, true, Descent.Engine.Optimizers.DecayScope.Weights),
            spec.Optimizer);
        Assert.Equal(Descent.Engine.Optimizers.ScheduleKind.OneCycle, spec.Schedule.Kind);
        Assert.Equal(["crop4"], spec.Augment);
        var file = SafeTensors.Read(model);
        Assert.Equal(ModelWeights.Expected(spec.Model.Graph).Select(entry => entry.Name), file.Tensors.Select(tensor => tensor.Name));
        Assert.Equal(30, Assert.Single(file.Tensors, tensor => tensor.Name == "layer2.0.downsample.1.num_batches_tracked").Integers![0]);
        using var json = JsonDocument.Parse(evaluated.Output);
        MetricsEpoch.AssertClose(epochs[^1].TestLoss, json.RootElement.GetProperty("loss").GetDouble(), 1e-6, "eval's loss against training's");
        Assert.Equal(epochs[^1].Accuracy, json.RootElement.GetProperty("accuracy").GetDouble());
        using var prediction = JsonDocument.Parse(predicted.Output);
        var top = prediction.RootElement.GetProperty("predictions")[0].GetProperty("top");
        Assert.InRange(top[0].GetProperty("probability").GetDouble(), 0.1, 1.0);
    }

    [Fact]
    public void A_resnet_run_resumed_after_two_epochs_matches_one_never_interrupted_bit_for_bit()
    {
        // The recipe's one-cycle is planned over the run's epochs: the resumed run starts from the straight run's own
        // checkpoint of epoch 2, as an interrupted run would.
        var straight = Train("--epochs", "3", "--batch-size", "20", "--metrics-out", folder.File("straight.json"),
            "--save", folder.File("straight.safetensors"), "--checkpoint", folder.File("run"));
        Assert.True(straight.ExitCode == 0, straight.Error);
        var midRun = Path.Combine(folder.File("mid"), "checkpoint-2");
        Directory.CreateDirectory(midRun);
        foreach (var file in Directory.GetFiles(Path.Combine(folder.File("run"), "checkpoint-2")))
        {
            File.Copy(file, Path.Combine(midRun, Path.GetFileName(file)));
        }
        File.WriteAllText(Path.Combine(folder.File("mid"), "latest"), "checkpoint-2\n");

        var resumed = CommandLine.Run("train", "--data-dir", folder.Path, "--quiet", "--backend", "cpu", "--resume", folder.File("mid"),
            "--epochs", "3", "--metrics-out", folder.File("resumed.json"), "--save", folder.File("resumed.safetensors"));

        Assert.True(resumed.ExitCode == 0, resumed.Error);
        Assert.Equal(MetricsEpoch.Read(folder.File("straight.json")), MetricsEpoch.Read(folder.File("resumed.json")));
        Assert.Equal(File.ReadAllBytes(folder.File("straight.safetensors")), File.ReadAllBytes(folder.File("resumed.safetensors")));
        // The decay spares the batch-norm vectors, yet the momentum stays one buffer for the whole parameter store.
        var velocity = Assert.Single(SafeTensors.Read(Path.Combine(midRun, "optimizer.safetensors")).Tensors);
        Assert.Equal("momentum_buffer.0", velocity.Name);
    }

    /// <summary>
    /// A state dict as `safetensors.torch.save_file(resnet.state_dict(), ...)` writes it, written here byte by byte (not by
    /// Descent's writer): torchvision's names in its order, F32 and I64, a "format" of "pt" and no Descent spec. --init loads
    /// every value, the running statistics and counters included, and --save of an untrained run gives them back.
    /// </summary>
    [Fact]
    public void A_state_dict_in_torchvisions_order_from_another_writer_loads_with_init_and_saves_back_unchanged()
    {
        var expected = ModelWeights.Expected(ModelSpec.Resnet(new FeatureShape(1, 28, 28), 10, 8).Graph);
        var random = new Random(4);
        var tensors = expected.Select(entry => entry.DType == "I64"
            ? NamedTensor.OfIntegers(entry.Name, entry.Shape, [random.Next(1, 1000)])
            : new NamedTensor(entry.Name, entry.Shape, Enumerable.Range(0, entry.Shape.Aggregate(1, (a, b) => a * b))
                .Select(_ => entry.Name.EndsWith("running_var", StringComparison.Ordinal) ? (float)(0.5 + random.NextDouble()) : (float)(random.NextDouble() - 0.5))
                .ToArray())).ToList();
        var foreign = folder.File("torchvision.safetensors");
        File.WriteAllBytes(foreign, WriteLikePythonSafetensors(tensors));
        var saved = folder.File("saved.safetensors");

        var run = Train("--epochs", "0", "--init", foreign, "--save", saved);

        Assert.True(run.ExitCode == 0, run.Error);
        var back = SafeTensors.Read(saved).Tensors;
        Assert.Equal(tensors.Select(tensor => tensor.Name), back.Select(tensor => tensor.Name));
        foreach (var (written, read) in tensors.Zip(back))
        {
            Assert.Equal(written.Shape, read.Shape);
            Assert.Equal(written.Values, read.Values);
            Assert.Equal(written.Integers, read.Integers);
        }
    }

    [Theory]
    [InlineData("--depth 10 is not a ResNet depth: give 6n + 2", "--depth", "10")]
    [InlineData("--depth 2 is not a ResNet depth", "--depth", "2")]
    [InlineData("--depth 1208 is not a ResNet depth: give 6n + 2 for n from 1 to 200", "--depth", "1208")]
    [InlineData("--depth 2000000000 is not a ResNet depth", "--depth", "2000000000")]
    [InlineData("--depth applies to --arch resnet, not to --arch cnn", "--arch", "cnn", "--depth", "8")]
    [InlineData("--activation does not apply", "--activation", "tanh")]
    [InlineData("--layers applies to --arch mlp or cnn, not to --arch resnet", "--layers", "784-10")]
    [InlineData("'biases'", "--decay-scope", "biases")]
    [InlineData("flip", "--augment", "crop4,flip")]
    public void Options_that_do_not_fit_the_resnet_are_one_line_and_exit_2(string expected, params string[] options)
    {
        var outcome = CommandLine.Run(["train", "--data-dir", folder.Path, "--backend", "cpu", "--epochs", "1",
            .. options.Contains("--arch") ? [] : new[] { "--arch", "resnet" }, .. options]);

        CommandLine.AssertOneLineError(outcome, 2, expected);
    }

    [Fact]
    public void A_depth_14_file_given_to_a_depth_8_run_is_refused_naming_the_difference()
    {
        var model = folder.File("deep.safetensors");
        var trained = CommandLine.Run("train", "--data-dir", folder.Path, "--quiet", "--backend", "cpu", "--arch", "resnet", "--depth", "14",
            "--epochs", "0", "--save", model);
        Assert.True(trained.ExitCode == 0, trained.Error);

        var outcome = Train("--epochs", "0", "--init", model);

        CommandLine.AssertOneLineError(outcome, 2, "layer1.1");
    }

    /// <summary>The depth is part of the model: a resumed run given another depth is refused, naming the checkpoint's model.</summary>
    [Fact]
    public void Resuming_at_another_depth_is_refused()
    {
        var first = Train("--epochs", "1", "--batch-size", "50", "--checkpoint", folder.File("run"));
        Assert.True(first.ExitCode == 0, first.Error);

        var outcome = CommandLine.Run("train", "--data-dir", folder.Path, "--backend", "cpu", "--resume", folder.File("run"), "--epochs", "2",
            "--arch", "resnet", "--depth", "14");

        CommandLine.AssertOneLineError(outcome, 2, "the checkpoint's model is");
    }

    /// <summary>safetensors' layout: an 8-byte little-endian header length, a JSON header of dtype, shape and data offsets, the raw data.</summary>
    private static byte[] WriteLikePythonSafetensors(IReadOnlyList<NamedTensor> tensors)
    {
        var header = new JsonObject { ["__metadata__"] = new JsonObject { ["format"] = "pt" } };
        using var data = new MemoryStream();
        Span<byte> bytes = stackalloc byte[8];
        foreach (var tensor in tensors)
        {
            var start = data.Position;
            if (tensor.Integers is { } integers)
            {
                foreach (var value in integers)
                {
                    BinaryPrimitives.WriteInt64LittleEndian(bytes, value);
                    data.Write(bytes);
                }
            }
            else
            {
                foreach (var value in tensor.Values)
                {
                    BinaryPrimitives.WriteSingleLittleEndian(bytes, value);
                    data.Write(bytes[..4]);
                }
            }
            header[tensor.Name] = new JsonObject
            {
                ["dtype"] = tensor.Integers is null ? "F32" : "I64",
                ["shape"] = new JsonArray(tensor.Shape.Select(size => (JsonNode)size).ToArray()),
                ["data_offsets"] = new JsonArray(start, data.Position),
            };
        }
        var headerBytes = Encoding.UTF8.GetBytes(header.ToJsonString());
        var file = new byte[8 + headerBytes.Length + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(file, (ulong)headerBytes.Length);
        headerBytes.CopyTo(file, 8);
        data.ToArray().CopyTo(file, 8 + headerBytes.Length);
        return file;
    }

    private CommandLine.Outcome Train(params string[] args) =>
        CommandLine.Run(["train", "--data-dir", folder.Path, "--quiet", "--backend", "cpu", "--arch", "resnet", "--depth", "8", .. args]);
}
