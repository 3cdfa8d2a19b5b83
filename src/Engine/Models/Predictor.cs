using Descent.Engine.Files;
using Descent.Engine.Layers;
using Descent.Engine.Tensors;
using Descent.Engine.Training;
using Descent.Kernels;

namespace Descent.Engine.Models;

/// <summary>
/// A saved model ready to classify images: its weights on a backend and the probabilities of each class
/// for raw pixel bytes. A model with one output (the lesson's 3-vs-7 models, trained with mnist_loss,
/// bce or mse) gives the sigmoid of its output, the probability of label 1; a model with K outputs gives
/// the softmax over them. Prediction is not training: inputs are normalised on the host, each channel as
/// the spec's normalisation says, and the logits are read back per call.
/// </summary>
public sealed class Predictor : IDisposable
{
    private readonly ComputeBackend backend;
    private readonly Network model;
    private readonly float[] channelScaleShift;
    private readonly int channels;
    private readonly Tensor input;
    private readonly float[] hostInput;
    private readonly float[] hostLogits;

    public Predictor(ComputeBackend backend, TrainingSpec spec, IReadOnlyList<NamedTensor> tensors, string source,
        int maxRows = 256)
    {
        if (maxRows <= 0)
        {
            throw new InvalidInputException($"a predictor needs at least one row per call, got {maxRows}");
        }
        this.backend = backend;
        channelScaleShift = spec.Normalization.ScaleAndShift();
        channels = spec.Normalization.Channels;
        Spec = spec;
        // A crafted spec may declare tensors no buffer holds: refused before building draws their initial values.
        MemoryPlan.CheckTensors(backend, spec.Model);
        model = spec.Model.Build(backend, spec.Seed);
        try
        {
            ModelWeights.Import(backend, model, tensors, source);
            model.Prepare(maxRows);
            input = new Tensor(backend, maxRows, model.InputWidth);
        }
        catch
        {
            model.Dispose();
            throw;
        }
        MaxRows = maxRows;
        hostInput = new float[maxRows * model.InputWidth];
        hostLogits = new float[maxRows * model.OutputWidth];
    }

    public TrainingSpec Spec { get; }

    /// <summary>Pixels per image: the product of the spec's input shape.</summary>
    public int InputFeatures => model.InputWidth;

    /// <summary>The model's outputs: 1 for a binary model, else the number of classes.</summary>
    public int Outputs => model.OutputWidth;

    /// <summary>Classes a prediction ranks: 2 for a one-output model (label 0 and label 1), else <see cref="Outputs"/>.</summary>
    public int Classes => Outputs == 1 ? 2 : Outputs;

    public int MaxRows { get; }

    /// <summary>
    /// Class probabilities for <paramref name="rows"/> images of raw pixel bytes (row-major, <see cref="InputFeatures"/>
    /// each): [rows, <see cref="Outputs"/>], sigmoid for one output, softmax for several.
    /// </summary>
    public float[] Probabilities(ReadOnlySpan<byte> pixels, int rows)
    {
        if (rows < 0 || (long)rows * InputFeatures != pixels.Length)
        {
            throw new InvalidInputException($"{pixels.Length} pixels are not {rows} images of {InputFeatures} pixels");
        }
        var probabilities = new float[rows * Outputs];
        for (var start = 0; start < rows; start += MaxRows)
        {
            var count = Math.Min(MaxRows, rows - start);
            var batchPixels = pixels.Slice(start * InputFeatures, count * InputFeatures);
            var batchInput = hostInput.AsSpan(0, batchPixels.Length);
            // As the device's gather: an image is its channels' planes, each with its own scale and shift.
            var planeSize = InputFeatures / channels;
            for (var i = 0; i < batchPixels.Length; i++)
            {
                var channel = i % InputFeatures / planeSize;
                batchInput[i] = batchPixels[i] * channelScaleShift[channel] + channelScaleShift[channels + channel];
            }
            backend.Upload<float>(input.Buffer, batchInput);
            var logits = model.Forward(input, count);
            var batchLogits = hostLogits.AsSpan(0, count * Outputs);
            backend.Download(logits.Buffer, batchLogits);
            ToProbabilities(batchLogits, probabilities.AsSpan(start * Outputs, count * Outputs), Outputs);
        }
        return probabilities;
    }

    /// <summary>The probability of class <paramref name="label"/> in one image's row of <see cref="Probabilities"/>.</summary>
    public float ClassProbability(ReadOnlySpan<float> row, int label) =>
        Outputs == 1 ? (label == 1 ? row[0] : 1f - row[0]) : row[label];

    public void Dispose()
    {
        input?.Dispose();
        model.Dispose();
    }

    /// <summary>Sigmoid of a single logit, or a softmax over each row computed in double and shifted by the row's maximum.</summary>
    private static void ToProbabilities(ReadOnlySpan<float> logits, Span<float> probabilities, int outputs)
    {
        if (outputs == 1)
        {
            for (var i = 0; i < logits.Length; i++)
            {
                probabilities[i] = (float)(1.0 / (1.0 + Math.Exp(-logits[i])));
            }
            return;
        }
        for (var row = 0; row < logits.Length / outputs; row++)
        {
            var rowLogits = logits.Slice(row * outputs, outputs);
            var max = double.NegativeInfinity;
            foreach (var logit in rowLogits)
            {
                max = Math.Max(max, logit);
            }
            double sum = 0;
            foreach (var logit in rowLogits)
            {
                sum += Math.Exp(logit - max);
            }
            for (var k = 0; k < outputs; k++)
            {
                probabilities[row * outputs + k] = (float)(Math.Exp(rowLogits[k] - max) / sum);
            }
        }
    }
}
