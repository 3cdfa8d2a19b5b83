using Descent.Engine.Models;
using Descent.Engine.Onnx;
using Descent.Engine.Onnx.Protobuf;
using Descent.Kernels;
using Descent.Tests.Data;
using Descent.Tests.Host;
using Xunit;
using Xunit.Abstractions;

namespace Descent.Tests.Onnx;

/// <summary>
/// `descent export --onnx` end to end: a model trained and saved through the command line, exported, and
/// run by ONNX Runtime on raw pixels gives the classes and, within 1e-5, the probabilities that Descent's
/// own <see cref="Predictor"/> gives; the graph is opset 17 with input [N, 1, 28, 28] and runs any batch size.
/// </summary>
public sealed class OnnxExportTests(ITestOutputHelper log) : IDisposable
{
    private const int Images = 1000;
    private const float Tolerance = 1e-5f;

    private readonly TemporaryFolder folder = new();

    public void Dispose() => folder.Dispose();

    /// <summary>
    /// One model of each kind the exporter writes: every activation, one and two hidden layers, and a one-output
    /// model. Each trains just long enough to classify most images correctly (the linear model from N(0, 1) needs ten epochs).
    /// </summary>
    public static TheoryData<string, string[]> Models() => new()
    {
        { "mnist", ["--layers", "784-64-10", "--epochs", "1"] },
        { "mnist-3-7", ["--arch", "linear", "--epochs", "10"] },
        { "mnist", ["--layers", "784-32-10", "--activation", "sigmoid", "--epochs", "1"] },
        { "mnist", ["--layers", "784-32-16-10", "--activation", "tanh", "--epochs", "1"] },
        { "mnist", ["--layers", "784-32-10", "--activation", "leaky-relu", "--epochs", "1"] },
        { "mnist", ["--layers", "784-32-10", "--normalize", "0.2,0.4", "--epochs", "1"] },
        { "mnist", ["--layers", "1x28x28-conv4k3s2p1-bn-relu-flatten-32-bn-relu-10", "--epochs", "1"] },
    };

    [SkippableTheory]
    [MemberData(nameof(Models))]
    public async Task Onnx_runtime_predicts_what_descent_predicts_on_1000_test_images(string dataset, string[] options)
    {
        var test = dataset == "mnist-3-7" ? (await MnistFixture.ThreesAndSevensAsync()).Valid : (await MnistFixture.DigitsAsync()).Valid;
        var (model, onnx) = TrainAndExport(["--dataset", dataset, .. options]);
        var pixels = test.Pixels.AsSpan(0, Images * test.Features);

        var (descent, outputs) = DescentProbabilities(model, pixels, Images);
        using var runtime = new OnnxRuntimeModel(onnx);
        var (probabilities, shape) = runtime.Run(pixels, Images, [1, test.ImageRows, test.ImageCols]);

        Assert.Equal([Images, outputs], shape);
        var disagreements = Enumerable.Range(0, Images)
            .Count(image => PredictedClass(descent, image, outputs) != PredictedClass(probabilities, image, outputs));
        var largestDifference = descent.Zip(probabilities, (expected, actual) => Math.Abs(expected - actual)).Max();
        var correct = Enumerable.Range(0, Images).Count(image => PredictedClass(probabilities, image, outputs) == test.Labels[image]);
        log.WriteLine($"{string.Join(' ', options)}: {correct} of {Images} correct, {disagreements} disagreements, largest difference {largestDifference:E2}");
        Assert.Equal(0, disagreements);
        Assert.True(largestDifference <= Tolerance, $"probabilities differ by up to {largestDifference:E2}, more than {Tolerance:E0}");
        // Agreement means something only if the model learnt.
        Assert.True(correct > 0.8 * Images, $"the exported model classifies only {correct} of {Images} test images correctly");
    }

    [Fact]
    public void The_graph_is_opset_17_from_pixels_n_1_28_28_through_descents_layers_to_probabilities_n_k()
    {
        var (model, onnx) = TrainOnDigitFolder("--layers", "784-16-10");

        var graph = ModelProto.Parser.ParseFrom(File.ReadAllBytes(onnx));

        Assert.Equal(8, graph.IrVersion);
        var opset = Assert.Single(graph.OpsetImport);
        Assert.Equal(("", 17L), (opset.Domain, opset.Version));
        Assert.Equal("descent", graph.ProducerName);
        var input = Assert.Single(graph.Graph.Input);
        Assert.Equal(OnnxExport.InputName, input.Name);
        Assert.Equal(["N", "1", "28", "28"], input.Type.TensorType.Shape.Dim.Select(Text));
        var output = Assert.Single(graph.Graph.Output);
        Assert.Equal(OnnxExport.OutputName, output.Name);
        Assert.Equal(["N", "10"], output.Type.TensorType.Shape.Dim.Select(Text));
        Assert.Equal(["Mul", "Add", "Flatten", "Gemm", "Relu", "Gemm", "Softmax"], graph.Graph.Node.Select(node => node.OpType));
        Assert.Equal(["input_scale", "input_shift", "0.weight", "0.bias", "2.weight", "2.bias"], graph.Graph.Initializer.Select(tensor => tensor.Name));
        var metadata = graph.MetadataProps.ToDictionary(entry => entry.Key, entry => entry.Value);
        var (spec, _) = ModelWeights.ReadModel(model);
        Assert.Equal(spec.ToJson().ToJsonString(), metadata[ModelWeights.SpecKey]);
        // The normalisation travels in the spec; the graph holds it as [1, C, 1, 1] constants.
        Assert.Equal(Descent.Engine.Training.InputNormalization.Unit, spec.Normalization);
        Assert.DoesNotContain(ModelWeights.ScaleKey, metadata.Keys);
        Assert.Equal([1L, 1, 1, 1], graph.Graph.Initializer.Single(tensor => tensor.Name == "input_scale").Dims);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(1000)]
    public void Onnx_runtime_takes_any_batch_size_and_sees_a_symbolic_batch_dimension(int rows)
    {
        var (model, onnx) = TrainOnDigitFolder("--layers", "784-16-10");
        var pixels = new byte[rows * 784];
        new Random(rows).NextBytes(pixels);

        using var runtime = new OnnxRuntimeModel(onnx);
        var (probabilities, shape) = runtime.Run(pixels, rows, [1, 28, 28]);
        var (descent, _) = DescentProbabilities(model, pixels, rows);

        var input = runtime.Session.InputMetadata[OnnxExport.InputName];
        Assert.Equal([-1, 1, 28, 28], input.Dimensions);
        Assert.Equal(OnnxExport.BatchSymbol, input.SymbolicDimensions[0]);
        Assert.Equal([rows, 10L], shape);
        Assert.All(descent.Zip(probabilities), pair => Assert.True(Math.Abs(pair.First - pair.Second) <= Tolerance,
            $"Descent gives {pair.First}, ONNX Runtime {pair.Second}"));
    }

    [Fact]
    public void A_one_output_model_gives_n_by_1_the_probability_of_label_1()
    {
        using var data = new TemporaryFolder();
        DigitFolder.Write(data, train: 40, test: 10);
        var (model, onnx) = TrainAndExport(["--data-dir", data.Path, "--batch-size", "8", "--epochs", "1",
            "--dataset", "mnist-3-7", "--arch", "linear"]);

        var graph = ModelProto.Parser.ParseFrom(File.ReadAllBytes(onnx));
        using var runtime = new OnnxRuntimeModel(onnx);
        var pixels = new byte[3 * 784];
        new Random(3).NextBytes(pixels);
        var (probabilities, shape) = runtime.Run(pixels, 3, [1, 28, 28]);

        Assert.Equal(["Mul", "Add", "Flatten", "Gemm", "Sigmoid"], graph.Graph.Node.Select(node => node.OpType));
        Assert.Equal([3L, 1], shape);
        Assert.Equal(DescentProbabilities(model, pixels, 3).Probabilities, probabilities, (expected, actual) => Math.Abs(expected - actual) <= Tolerance);
    }

    /// <summary>
    /// A conv net of every new layer (padding, stride, pooling, dropout twice, flatten), trained a little on the
    /// reference backend: ONNX Runtime's Conv, MaxPool and Flatten give Descent's probabilities, dropout vanishes.
    /// </summary>
    [Fact]
    public void A_conv_net_exports_conv_maxpool_and_flatten_and_onnx_runtime_agrees_with_descent()
    {
        DigitFolder.Write(folder, train: 40, test: 10);
        var (model, onnx) = TrainAndExport(["--data-dir", folder.Path, "--batch-size", "8", "--epochs", "1",
            "--layers", "1x28x28-conv4k3p1-relu-maxpool2-dropout0.25-conv3k3s2-flatten-12-relu-dropout0.5-10"], Backends.ReferenceName);
        const int Rows = 3;
        var pixels = new byte[Rows * 784];
        new Random(5).NextBytes(pixels);

        var graph = ModelProto.Parser.ParseFrom(File.ReadAllBytes(onnx));
        using var runtime = new OnnxRuntimeModel(onnx);
        var (probabilities, shape) = runtime.Run(pixels, Rows, [1, 28, 28]);
        var (descent, _) = DescentProbabilities(model, pixels, Rows, Backends.ReferenceName);

        Assert.Equal(["Mul", "Add", "Conv", "Relu", "MaxPool", "Conv", "Flatten", "Gemm", "Relu", "Gemm", "Softmax"],
            graph.Graph.Node.Select(node => node.OpType));
        Assert.Equal(["input_scale", "input_shift", "0.weight", "0.bias", "4.weight", "4.bias", "6.weight", "6.bias", "9.weight", "9.bias"],
            graph.Graph.Initializer.Select(tensor => tensor.Name));
        Assert.Equal([Rows, 10L], shape);
        Assert.All(descent.Zip(probabilities), pair => Assert.True(Math.Abs(pair.First - pair.Second) <= Tolerance,
            $"Descent gives {pair.First}, ONNX Runtime {pair.Second}"));
    }

    /// <summary>
    /// Convolutions without bias export Conv with no B input and no bias initializer, global average pooling
    /// exports GlobalAveragePool, and ONNX Runtime agrees with Descent on the trained net.
    /// </summary>
    /// <remarks>
    /// Without flatten, a linear layer reads the pooled C x 1 x 1 as a row, as the engine does: the export flattens the
    /// [N, C, 1, 1] tensor before its Gemm, which takes a matrix.
    /// </remarks>
    [Theory]
    [InlineData("gap-flatten-10", new[] { "Mul", "Add", "Conv", "Relu", "Conv", "Relu", "GlobalAveragePool", "Flatten", "Gemm", "Softmax" }, "6")]
    [InlineData("gap-10", new[] { "Mul", "Add", "Conv", "Relu", "Conv", "Relu", "GlobalAveragePool", "Flatten", "Gemm", "Softmax" }, "5")]
    public void A_pooled_net_exports_conv_without_bias_and_global_average_pool_and_onnx_runtime_agrees_with_descent(string end,
        string[] nodes, string linearModule)
    {
        DigitFolder.Write(folder, train: 40, test: 10);
        var (model, onnx) = TrainAndExport(["--data-dir", folder.Path, "--batch-size", "8", "--epochs", "1",
            "--layers", $"1x28x28-conv4k3s2p1nb-relu-conv8k3s2p1-relu-{end}"], Backends.ReferenceName);
        const int Rows = 3;
        var pixels = new byte[Rows * 784];
        new Random(5).NextBytes(pixels);

        var graph = ModelProto.Parser.ParseFrom(File.ReadAllBytes(onnx));
        using var runtime = new OnnxRuntimeModel(onnx);
        var (probabilities, shape) = runtime.Run(pixels, Rows, [1, 28, 28]);
        var (descent, _) = DescentProbabilities(model, pixels, Rows, Backends.ReferenceName);

        Assert.Equal(nodes, graph.Graph.Node.Select(node => node.OpType));
        Assert.Equal(2, graph.Graph.Node.First(node => node.OpType == "Conv").Input.Count);
        Assert.Equal(["input_scale", "input_shift", "0.weight", "2.weight", "2.bias", $"{linearModule}.weight", $"{linearModule}.bias"],
            graph.Graph.Initializer.Select(tensor => tensor.Name));
        Assert.Equal([Rows, 10L], shape);
        Assert.All(descent.Zip(probabilities), pair => Assert.True(Math.Abs(pair.First - pair.Second) <= Tolerance,
            $"Descent gives {pair.First}, ONNX Runtime {pair.Second}"));
    }

    /// <summary>
    /// A residual net, an identity block and a strided projection block, trained a little on each backend: the
    /// graph joins each block's branches with an Add under the block's module name, keeps PyTorch's module-tree
    /// names, and ONNX Runtime gives the class Descent's <see cref="Predictor"/> on that backend gives for every
    /// test image, and its probabilities within 1e-5.
    /// </summary>
    [SkippableTheory]
    [InlineData(Backends.ReferenceName)]
    [InlineData(Backends.CpuName)]
    [InlineData(Backends.IlgpuCpuName)]
    [InlineData(Backends.VulkanName)]
    public void A_residual_net_exports_an_add_per_block_and_onnx_runtime_agrees_with_descent(string backend)
    {
        if (backend == Backends.VulkanName)
        {
            Vulkan.VulkanAvailability.CreateValidated().Dispose();
        }
        const int TestImages = 40;
        DigitFolder.Write(folder, train: 200, test: TestImages);
        var (model, onnx) = TrainAndExport(["--data-dir", folder.Path, "--batch-size", "20", "--epochs", "3",
            "--layers", "1x28x28-conv4k3s2p1-relu-res(conv4k3p1-relu-conv4k3p1)-relu-res(conv8k3s2p1-relu-conv8k3p1+conv8k1s2)-relu-flatten-10"],
            backend);
        // The digit folder's test images, after the IDX header (magic, count, rows, columns), and three of random pixels.
        var random = new byte[3 * 784];
        new Random(7).NextBytes(random);
        byte[] pixels = [.. File.ReadAllBytes(folder.File("t10k-images-idx3-ubyte")).AsSpan(16), .. random];
        const int Rows = TestImages + 3;

        var graph = ModelProto.Parser.ParseFrom(File.ReadAllBytes(onnx));
        using var runtime = new OnnxRuntimeModel(onnx);
        var (probabilities, shape) = runtime.Run(pixels, Rows, [1, 28, 28]);
        var (descent, outputs) = DescentProbabilities(model, pixels, Rows, backend);

        Assert.Equal(["Mul", "Add", "Conv", "Relu", "Conv", "Relu", "Conv", "Add", "Relu", "Conv", "Relu", "Conv", "Conv", "Add", "Relu",
            "Flatten", "Gemm", "Softmax"], graph.Graph.Node.Select(node => node.OpType));
        Assert.Equal(["2", "4"], graph.Graph.Node.Where(node => node.OpType == "Add").Skip(1).Select(node => node.Name));
        Assert.Equal(["input_scale", "input_shift", "0.weight", "0.bias", "2.body.0.weight", "2.body.0.bias", "2.body.2.weight", "2.body.2.bias",
            "4.body.0.weight", "4.body.0.bias", "4.body.2.weight", "4.body.2.bias", "4.shortcut.0.weight", "4.shortcut.0.bias", "7.weight", "7.bias"],
            graph.Graph.Initializer.Select(tensor => tensor.Name));
        Assert.Equal([Rows, 10L], shape);
        Assert.Equal(Enumerable.Range(0, Rows).Select(image => PredictedClass(descent, image, outputs)),
            Enumerable.Range(0, Rows).Select(image => PredictedClass(probabilities, image, outputs)));
        Assert.All(descent.Zip(probabilities), pair => Assert.True(Math.Abs(pair.First - pair.Second) <= Tolerance,
            $"Descent gives {pair.First}, ONNX Runtime {pair.Second}"));
        // Agreement means something only if the model learnt: chance is 4 of 40.
        var correct = Enumerable.Range(0, TestImages).Count(image => PredictedClass(probabilities, image, outputs) == image % 10);
        Assert.True(correct >= 16, $"the exported model classifies only {correct} of {TestImages} test images correctly");
    }

    /// <summary>
    /// --arch resnet at depth 8, trained with its recipe: each block's BatchNormalization, Add and Relu, the stem's, the
    /// downsamples' and GlobalAveragePool, under torchvision's names; ONNX Runtime gives Descent's class for every test image
    /// and three of random pixels, and its probabilities within 1e-5.
    /// </summary>
    [Fact]
    public void The_resnet_exports_batch_normalization_add_and_global_average_pool_and_onnx_runtime_agrees_with_descent()
    {
        const int TestImages = 20;
        DigitFolder.Write(folder, train: 100, test: TestImages);
        var (model, onnx) = TrainAndExport(["--data-dir", folder.Path, "--arch", "resnet", "--depth", "8", "--batch-size", "20", "--epochs", "2"]);
        var random = new byte[3 * 784];
        new Random(8).NextBytes(random);
        byte[] pixels = [.. File.ReadAllBytes(folder.File("t10k-images-idx3-ubyte")).AsSpan(16), .. random];
        const int Rows = TestImages + 3;

        var graph = ModelProto.Parser.ParseFrom(File.ReadAllBytes(onnx));
        using var runtime = new OnnxRuntimeModel(onnx);
        var (probabilities, shape) = runtime.Run(pixels, Rows, [1, 28, 28]);
        var (descent, outputs) = DescentProbabilities(model, pixels, Rows);

        // Stem, then per block conv1-bn1-relu-conv2-bn2 (the downsample's conv and bn beside it), the sum and its relu.
        string[] block = ["Conv", "BatchNormalization", "Relu", "Conv", "BatchNormalization"];
        string[] projected = [.. block, "Conv", "BatchNormalization"];
        Assert.Equal(["Mul", "Add", "Conv", "BatchNormalization", "Relu", .. block, "Add", "Relu", .. projected, "Add", "Relu", .. projected, "Add", "Relu",
            "GlobalAveragePool", "Flatten", "Gemm", "Softmax"], graph.Graph.Node.Select(node => node.OpType));
        Assert.Equal(["layer1.0", "layer2.0", "layer3.0"], graph.Graph.Node.Where(node => node.OpType == "Add").Skip(1).Select(node => node.Name));
        var initializers = graph.Graph.Initializer.Select(tensor => tensor.Name).ToList();
        Assert.Equal(["input_scale", "input_shift", "conv1.weight", "bn1.weight", "bn1.bias", "bn1.running_mean", "bn1.running_var"], initializers.Take(7));
        Assert.Contains("layer3.0.downsample.1.running_var", initializers);
        Assert.Equal(["fc.weight", "fc.bias"], initializers.TakeLast(2));
        Assert.Equal([Rows, 10L], shape);
        Assert.Equal(Enumerable.Range(0, Rows).Select(image => PredictedClass(descent, image, outputs)),
            Enumerable.Range(0, Rows).Select(image => PredictedClass(probabilities, image, outputs)));
        Assert.All(descent.Zip(probabilities), pair => Assert.True(Math.Abs(pair.First - pair.Second) <= Tolerance,
            $"Descent gives {pair.First}, ONNX Runtime {pair.Second}"));
        // Agreement means something only if the model learnt: chance is 2 of 20.
        var correct = Enumerable.Range(0, TestImages).Count(image => PredictedClass(probabilities, image, outputs) == image % 10);
        Assert.True(correct >= 6, $"the exported model classifies only {correct} of {TestImages} test images correctly");
    }

    /// <summary>The MNIST example's net keeps the example's names in the graph, and ONNX Runtime agrees with Descent on it.</summary>
    [Fact]
    public void The_mnist_example_net_exports_under_conv1_conv2_fc1_fc2()
    {
        using var backend = Backends.Create(Backends.CpuName);
        var spec = new Descent.Engine.Training.TrainingSpec("mnist", [1, 28, 28], ModelSpec.Cnn(new FeatureShape(1, 28, 28), 10), "cross-entropy",
            new(Descent.Engine.Optimizers.OptimizerKind.Adadelta, 0f, 0f), new(Descent.Engine.Optimizers.ScheduleKind.Step, 1f, 1, 0.7f, 3), 64, 42);
        var model = folder.File("cnn.safetensors");
        using (var built = spec.Model.Build(backend, spec.Seed))
        {
            ModelWeights.Save(model, backend, built, spec, "test");
        }
        var onnx = folder.File("cnn.onnx");
        var (savedSpec, tensors) = ModelWeights.ReadModel(model);
        OnnxExport.Write(onnx, OnnxExport.Build(savedSpec, tensors, "test", model));
        const int Rows = 2;
        var pixels = new byte[Rows * 784];
        new Random(6).NextBytes(pixels);

        var graph = ModelProto.Parser.ParseFrom(File.ReadAllBytes(onnx));
        using var runtime = new OnnxRuntimeModel(onnx);
        var (probabilities, _) = runtime.Run(pixels, Rows, [1, 28, 28]);
        var (descent, _) = DescentProbabilities(model, pixels, Rows);

        Assert.Equal(["input_scale", "input_shift", "conv1.weight", "conv1.bias", "conv2.weight", "conv2.bias", "fc1.weight", "fc1.bias",
            "fc2.weight", "fc2.bias"], graph.Graph.Initializer.Select(tensor => tensor.Name));
        Assert.All(descent.Zip(probabilities), pair => Assert.True(Math.Abs(pair.First - pair.Second) <= Tolerance,
            $"Descent gives {pair.First}, ONNX Runtime {pair.Second}"));
    }

    private (string Model, string Onnx) TrainOnDigitFolder(params string[] options)
    {
        DigitFolder.Write(folder, train: 40, test: 10);
        return TrainAndExport(["--data-dir", folder.Path, "--batch-size", "8", "--epochs", "1", .. options]);
    }

    /// <summary>Trains on <paramref name="backend"/>, saves, and exports, all through the command line, as a person would.</summary>
    private (string Model, string Onnx) TrainAndExport(string[] trainOptions, string backend = Backends.CpuName)
    {
        var model = folder.File("model.safetensors");
        var onnx = folder.File("model.onnx");
        var trained = CommandLine.Run(["train", "--backend", backend, "--quiet", "--save", model, .. trainOptions]);
        Assert.True(trained.ExitCode == 0, trained.Error);
        var exported = CommandLine.Run("export", model, "--onnx", onnx);
        Assert.True(exported.ExitCode == 0, exported.Error);
        Assert.Contains($"wrote {onnx}", exported.Output);
        return (model, onnx);
    }

    private static (float[] Probabilities, int Outputs) DescentProbabilities(string model, ReadOnlySpan<byte> pixels, int rows,
        string backendName = Backends.CpuName)
    {
        var (spec, tensors) = ModelWeights.ReadModel(model);
        using var backend = Backends.Create(backendName);
        using var predictor = new Predictor(backend, spec, tensors, model);
        return (predictor.Probabilities(pixels, rows), predictor.Outputs);
    }

    /// <summary>The class a row of probabilities picks: label 1 when a one-output model says more than a half, else the most probable.</summary>
    private static int PredictedClass(float[] probabilities, int image, int outputs)
    {
        var row = probabilities.AsSpan(image * outputs, outputs);
        if (outputs == 1)
        {
            return row[0] > 0.5f ? 1 : 0;
        }
        var best = 0;
        for (var k = 1; k < outputs; k++)
        {
            best = row[k] > row[best] ? k : best;
        }
        return best;
    }

    private static string Text(TensorShapeProto.Types.Dimension dimension) =>
        dimension.HasDimParam ? dimension.DimParam : dimension.DimValue.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
