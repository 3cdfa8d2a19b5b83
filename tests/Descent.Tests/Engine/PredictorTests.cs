using System.Globalization;
using System.Text;
using System.Text.Json;
using Descent.Engine.Models;
using Descent.Kernels;
using Descent.Tests.Data;
using Descent.Tests.Host;
using Xunit;

namespace Descent.Tests.Engine;

/// <summary>
/// A saved model's class probabilities from <see cref="Predictor"/> on each backend match a forward pass
/// written here in plain C# and double precision straight from the safetensors file: its tensors, its
/// input normalisation and its spec's activation.
/// </summary>
public sealed class PredictorTests : IDisposable
{
    private const int Features = 28 * 28;

    private readonly TemporaryFolder folder = new();

    public PredictorTests() => DigitFolder.Write(folder, train: 40, test: 10);

    public void Dispose() => folder.Dispose();

    [Theory]
    [InlineData("cpu", "--layers 784-16-10 --activation relu")]
    [InlineData("reference", "--layers 784-12-8-10 --activation tanh")]
    [InlineData("ilgpu-cpu", "--layers 784-16-10 --activation sigmoid")]
    [InlineData("cpu", "--layers 784-10-10 --activation leaky-relu")]
    [InlineData("cpu", "--dataset mnist-3-7 --arch linear")]
    [InlineData("reference", "--dataset mnist-3-7 --arch simple --loss cross-entropy")]
    public void Probabilities_match_an_independent_forward_pass_of_the_saved_weights(string backendName, string trainArgs)
    {
        var path = folder.File("model.safetensors");
        var trained = CommandLine.Run(["train", "--data-dir", folder.Path, "--epochs", "2", "--batch-size", "8", "--save", path,
            .. trainArgs.Split(' ')]);
        Assert.True(trained.ExitCode == 0, trained.Error);
        var random = new Random(5);
        const int rows = 11;
        var pixels = new byte[rows * Features];
        random.NextBytes(pixels);
        // Some rows as MNIST draws them: mostly black, a few strokes.
        for (var i = 0; i < 5 * Features; i++)
        {
            pixels[i] = random.NextDouble() < 0.8 ? (byte)0 : pixels[i];
        }

        var (spec, tensors) = ModelWeights.ReadModel(path);
        using var backend = Backends.Create(backendName);
        // Fewer rows per call than images, so the batching across calls is exercised too.
        using var predictor = new Predictor(backend, spec, tensors, path, maxRows: 4);
        var probabilities = predictor.Probabilities(pixels, rows);

        var expected = IndependentForward(path, pixels, rows);
        Assert.Equal(expected.Length, probabilities.Length);
        Assert.All(Enumerable.Range(0, expected.Length), i => Assert.Equal(expected[i], probabilities[i], 1e-5));
        for (var row = 0; row < rows; row++)
        {
            var classes = Enumerable.Range(0, predictor.Classes)
                .Sum(label => predictor.ClassProbability(probabilities.AsSpan(row * predictor.Outputs, predictor.Outputs), label));
            Assert.Equal(1.0, classes, 5);
        }
    }

    [Fact]
    public void Pixels_that_are_not_whole_images_are_bad_input()
    {
        var path = folder.File("model.safetensors");
        Assert.Equal(0, CommandLine.Run("train", "--data-dir", folder.Path, "--layers", "784-8-10", "--epochs", "0", "--save", path).ExitCode);
        var (spec, tensors) = ModelWeights.ReadModel(path);
        using var backend = Backends.Create("cpu");
        using var predictor = new Predictor(backend, spec, tensors, path);

        var error = Assert.Throws<InvalidInputException>(() => predictor.Probabilities(new byte[Features + 1], 1));

        Assert.Contains($"{Features + 1} pixels are not 1 images of {Features} pixels", error.Message);
    }

    /// <summary>
    /// The model in <paramref name="path"/> run in double precision from the file's own bytes: x = pixel * scale
    /// + shift, then y = W x + b per linear module ("i.weight" [out, in], "i.bias" [out]) with the spec's
    /// activation between them, then a sigmoid for one output or a softmax for several.
    /// </summary>
    private static float[] IndependentForward(string path, byte[] pixels, int rows)
    {
        var bytes = File.ReadAllBytes(path);
        var headerLength = (int)BitConverter.ToUInt64(bytes, 0);
        using var header = JsonDocument.Parse(Encoding.UTF8.GetString(bytes, 8, headerLength));
        var metadata = header.RootElement.GetProperty("__metadata__");
        using var spec = JsonDocument.Parse(metadata.GetProperty("descent_spec").GetString()!);
        // One channel: unit is x = pixel / 255; standardize is (pixel / 255 - mean) / std.
        var normalization = spec.RootElement.GetProperty("normalization");
        var standardized = normalization.GetProperty("kind").GetString() == "standardize";
        var mean = standardized ? normalization.GetProperty("mean")[0].GetDouble() : 0;
        var std = standardized ? normalization.GetProperty("std")[0].GetDouble() : 1;
        var scale = 1 / (255 * std);
        var shift = -mean / std;
        // The activation is the spec's module between the linear ones (the layer after module 0).
        var activation = spec.RootElement.GetProperty("model").GetProperty("layers").EnumerateArray()
            .Select(layer => layer.GetProperty("type").GetString()).FirstOrDefault(type => type != "linear");
        float[] Tensor(string name)
        {
            var offsets = header.RootElement.GetProperty(name).GetProperty("data_offsets").EnumerateArray().Select(o => o.GetInt32()).ToArray();
            var values = new float[(offsets[1] - offsets[0]) / 4];
            Buffer.BlockCopy(bytes, 8 + headerLength + offsets[0], values, 0, values.Length * 4);
            return values;
        }
        var modules = header.RootElement.EnumerateObject().Select(entry => entry.Name).Where(name => name.EndsWith(".weight", StringComparison.Ordinal))
            .Select(name => int.Parse(name.Split('.')[0], CultureInfo.InvariantCulture)).Order().ToArray();

        var outputs = new List<float>();
        for (var row = 0; row < rows; row++)
        {
            var x = Enumerable.Range(0, Features).Select(i => pixels[row * Features + i] * scale + shift).ToArray();
            for (var layer = 0; layer < modules.Length; layer++)
            {
                var weight = Tensor($"{modules[layer]}.weight");
                var bias = Tensor($"{modules[layer]}.bias");
                var y = new double[bias.Length];
                for (var o = 0; o < y.Length; o++)
                {
                    y[o] = bias[o];
                    for (var i = 0; i < x.Length; i++)
                    {
                        y[o] += weight[o * x.Length + i] * x[i];
                    }
                    if (layer + 1 < modules.Length)
                    {
                        y[o] = activation switch
                        {
                            "relu" => Math.Max(y[o], 0),
                            "sigmoid" => 1 / (1 + Math.Exp(-y[o])),
                            "tanh" => Math.Tanh(y[o]),
                            "leaky-relu" => y[o] > 0 ? y[o] : 0.01 * y[o],
                            _ => throw new InvalidOperationException($"no reference for activation {activation}"),
                        };
                    }
                }
                x = y;
            }
            if (x.Length == 1)
            {
                outputs.Add((float)(1 / (1 + Math.Exp(-x[0]))));
            }
            else
            {
                var max = x.Max();
                var sum = x.Sum(logit => Math.Exp(logit - max));
                outputs.AddRange(x.Select(logit => (float)(Math.Exp(logit - max) / sum)));
            }
        }
        return outputs.ToArray();
    }
}
