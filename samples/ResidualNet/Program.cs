// A small residual convolutional net, written once in the --layers grammar and once as layer records,
// trained for one epoch on the cpu backend and exported to ONNX.
// dotnet run --project samples/ResidualNet -- [--items N] [--onnx PATH]
using Descent.Engine.Data;
using Descent.Engine.Layers;
using Descent.Engine.Losses;
using Descent.Engine.Models;
using Descent.Engine.Onnx;
using Descent.Engine.Optimizers;
using Descent.Engine.Training;
using Descent.Kernels;

var items = int.Parse(Option("--items", "60000"));
var onnxPath = Option("--onnx", "mnist-residual.onnx");

var parsed = ModelSpec.Parse("1x28x28-conv8k3s2p1-relu-res(conv8k3p1-relu-conv8k3p1)-relu-flatten-10",
    Activation.Relu, activationGiven: false);
var built = new ModelSpec(new FeatureShape(Channels: 1, Height: 28, Width: 28),
[
    new Conv2dLayerSpec(OutChannels: 8, Kernel: 3, Stride: 2, Padding: 1),
    new ActivationLayerSpec(Activation.Relu),
    // y = body(x) + x: no shortcut layers, as the body keeps the shape (8 channels of 14x14).
    new ResidualLayerSpec(
        Body: [new Conv2dLayerSpec(8, 3, Padding: 1), new ActivationLayerSpec(Activation.Relu), new Conv2dLayerSpec(8, 3, Padding: 1)],
        Shortcut: []),
    new ActivationLayerSpec(Activation.Relu),
    new FlattenLayerSpec(),
    new LinearLayerSpec(10, LinearInit.PyTorchDefault),
]);
if (built.ToJson().ToJsonString() != parsed.ToJson().ToJsonString())
{
    Console.Error.WriteLine($"the records make {built.LayersText}, the grammar {parsed.LayersText}");
    return 1;
}

var splits = await DatasetLoader.LoadAsync(DatasetName.Mnist, DataLocation.FromOptions(DatasetName.Mnist, dataDir: null));
var train = First(splits.Train, items);
var test = First(splits.Valid, items);
var spec = new TrainingSpec("mnist", [1, 28, 28], built, LossFunction.CrossEntropy.Name,
        new OptimizerSettings(OptimizerKind.AdamW, Momentum: 0f, WeightDecay: 0.01f),
        new ScheduleSettings(ScheduleKind.Constant, LearningRate: 0.002f, StepSize: 1, Gamma: 1f, Epochs: 1),
        BatchSize: 64, Seed: 7)
    .Validate()
    .ForData(train);

using var backend = Backends.Create(Backends.CpuName);
using var run = new TrainingRun(backend, spec, train, test);
var trained = run.Learner.TrainEpoch();
var tested = run.Learner.Evaluate();
Console.WriteLine($"{spec.Model.LayersText}: train loss {trained.MeanLoss:F4}, test loss {tested.MeanLoss:F4}, accuracy {tested.Accuracy:P1}");

// The graph takes raw pixels [N, 1, 28, 28] in 0..255 and gives class probabilities [N, 10].
var version = typeof(TrainingRun).Assembly.GetName().Version!.ToString(3);
var graph = OnnxExport.Build(spec, ModelWeights.Export(backend, run.Model), version, source: "the ResidualNet sample");
OnnxExport.Write(onnxPath, graph);
Console.WriteLine($"wrote {onnxPath}: {graph.Graph.Node.Count} ONNX nodes, {new FileInfo(onnxPath).Length / 1024.0:F1} KiB");

if (tested.Accuracy < 0.5)
{
    Console.Error.WriteLine($"accuracy {tested.Accuracy:P1} is too close to chance (10 %): the model did not learn");
    return 1;
}
return 0;

string Option(string name, string fallback)
{
    var at = Array.IndexOf(args, name);
    return at >= 0 && at + 1 < args.Length ? args[at + 1] : fallback;
}

static ImageDataset First(ImageDataset data, int count) => data.Subset(Enumerable.Range(0, Math.Min(count, data.Count)).ToArray());
