// Trains an MLP on MNIST and saves its weights.
// dotnet run --project samples/TrainMnist -- [--epochs N] [--items N] [--backend auto|cpu|cuda|vulkan] [--save PATH]
using Descent.Engine.Data;
using Descent.Engine.Losses;
using Descent.Engine.Models;
using Descent.Engine.Optimizers;
using Descent.Engine.Training;
using Descent.Kernels;

var epochs = int.Parse(Option("--epochs", "5"));
var items = int.Parse(Option("--items", "60000"));
var savePath = Option("--save", "mnist-mlp.safetensors");

// Downloads MNIST into ~/.cache/descent (or $DESCENT_DATA) the first time.
var splits = await DatasetLoader.LoadAsync(DatasetName.Mnist, DataLocation.FromOptions(DatasetName.Mnist, dataDir: null));
var train = First(splits.Train, items);
var test = First(splits.Valid, items);

var spec = new TrainingSpec("mnist", [1, 28, 28], ModelSpec.Parse("784-128-10", Activation.Relu, activationGiven: false),
        LossFunction.CrossEntropy.Name, new OptimizerSettings(OptimizerKind.Sgd, Momentum: 0.9f, WeightDecay: 0f),
        new ScheduleSettings(ScheduleKind.Constant, LearningRate: 0.05f, StepSize: 1, Gamma: 1f, Epochs: epochs),
        BatchSize: 128, Seed: 42, Normalization: InputNormalization.StandardizeByData)
    .Validate()
    // Measures the training images' mean and deviation; the spec, and so the saved model, keeps them.
    .ForData(train);

using var backend = Backends.Create(Option("--backend", Backends.Auto));
using var run = new TrainingRun(backend, spec, train, test);
Console.WriteLine($"{backend.Name}: {spec.Model.LayersText} on {train.Count} images, tested on {test.Count}");
for (var epoch = 1; epoch <= epochs; epoch++)
{
    var trained = run.Learner.TrainEpoch();
    var tested = run.Learner.Evaluate();
    Console.WriteLine($"epoch {epoch}: train loss {trained.MeanLoss:F4}, test loss {tested.MeanLoss:F4}, accuracy {tested.Accuracy:P1}");
}

ModelWeights.Save(savePath, backend, run.Model, spec, version: typeof(TrainingRun).Assembly.GetName().Version!.ToString(3));
Console.WriteLine($"saved {savePath}");

// One guess in ten is chance; a model that learnt anything is far above it.
var accuracy = run.Learner.Evaluate().Accuracy;
if (accuracy < 0.5)
{
    Console.Error.WriteLine($"accuracy {accuracy:P1} is too close to chance (10 %): the model did not learn");
    return 1;
}
return 0;

string Option(string name, string fallback)
{
    var at = Array.IndexOf(args, name);
    return at >= 0 && at + 1 < args.Length ? args[at + 1] : fallback;
}

static ImageDataset First(ImageDataset data, int count) => data.Subset(Enumerable.Range(0, Math.Min(count, data.Count)).ToArray());
