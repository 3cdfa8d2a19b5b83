// Classifies the first MNIST test images with a model TrainMnist saved.
// dotnet run --project samples/Predict -- [--model PATH] [--images N] [--backend auto|cpu|cuda|vulkan]
using Descent.Engine.Data;
using Descent.Engine.Models;
using Descent.Kernels;

var modelPath = Option("--model", "mnist-mlp.safetensors");
var images = int.Parse(Option("--images", "10"));

// The model file carries its training spec: the layers and how pixels were normalised.
var (spec, tensors) = ModelWeights.ReadModel(modelPath);
using var backend = Backends.Create(Option("--backend", Backends.Auto));
using var predictor = new Predictor(backend, spec, tensors, source: modelPath);

var test = (await DatasetLoader.LoadAsync(DatasetName.Mnist, DataLocation.FromOptions(DatasetName.Mnist, dataDir: null))).Valid;
images = Math.Min(images, test.Count);
var probabilities = predictor.Probabilities(test.Pixels.AsSpan(0, images * test.Features), images);
var correct = 0;
for (var image = 0; image < images; image++)
{
    var row = probabilities[(image * predictor.Outputs)..((image + 1) * predictor.Outputs)];
    var predicted = Array.IndexOf(row, row.Max());
    correct += predicted == test.Labels[image] ? 1 : 0;
    Console.WriteLine($"test image {image}: label {test.Labels[image]}, predicted {predicted} ({row[predicted]:P1})");
}
Console.WriteLine($"{correct} of {images} correct");

// Chance is one in ten; a trained model gets most right.
return correct * 2 > images ? 0 : 1;

string Option(string name, string fallback)
{
    var at = Array.IndexOf(args, name);
    return at >= 0 && at + 1 < args.Length ? args[at + 1] : fallback;
}

