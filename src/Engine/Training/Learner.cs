using Descent.Engine.Layers;
using Descent.Engine.Losses;
using Descent.Engine.Optimizers;
using Descent.Engine.Tensors;
using Descent.Kernels;

namespace Descent.Engine.Training;

/// <summary>
/// Trains a model one epoch at a time and evaluates it, all on the device. A step gathers its batch,
/// runs forward, the fused loss and gradient, backward and the optimizer update, and writes its loss
/// and correct count into its own slot of an epoch buffer; the buffer is read back once per epoch.
/// Every buffer is sized here, so a step allocates nothing. The epoch loop belongs to the caller.
/// </summary>
public sealed class Learner : IDisposable
{
    private readonly ComputeBackend backend;
    private readonly Sequential model;
    private readonly LossFunction loss;
    private readonly Optimizer optimizer;
    private readonly LearningRateSchedule schedule;
    private readonly DeviceDataset train;
    private readonly DeviceDataset valid;
    private readonly InputScaling scaling;
    private readonly int seed;
    private readonly int evaluationBatchSize;
    private readonly Tensor input;
    private readonly Tensor logitGradient;
    private readonly DeviceBuffer<int> batchLabels;
    private readonly DeviceBuffer<float> rowStats;
    private readonly DeviceBuffer<float> metrics;
    private readonly float[] hostMetrics;

    public Learner(ComputeBackend backend, Sequential model, LossFunction loss, Optimizer optimizer,
        LearningRateSchedule schedule, DeviceDataset train, DeviceDataset valid, int batchSize, int seed,
        InputScaling? scaling = null)
    {
        if (batchSize <= 0)
        {
            throw new InvalidInputException($"the batch size must be positive, got {batchSize}");
        }
        if (model.InputWidth != train.Features || model.InputWidth != valid.Features)
        {
            throw new InvalidInputException($"the model takes {model.InputWidth} inputs but the data has {train.Features} features");
        }
        this.backend = backend;
        this.model = model;
        this.loss = loss;
        this.optimizer = optimizer;
        this.schedule = schedule;
        this.train = train;
        this.valid = valid;
        this.scaling = scaling ?? InputScaling.UnitInterval;
        this.seed = seed;
        BatchSize = Math.Min(batchSize, train.Count);
        var largestFittingBatch = LargestFittingBatch(backend, model);
        if (BatchSize > largestFittingBatch)
        {
            throw new InvalidInputException(
                $"a batch of {BatchSize} rows does not fit {backend.Name}'s largest buffer ({backend.MaxBufferBytes / (1024 * 1024)} MiB " +
                $"on {backend.DeviceDescription}): the largest batch that fits is {largestFittingBatch}");
        }
        // Evaluation needs no gradients, so it takes batches at least as large as training's, where they fit.
        evaluationBatchSize = (int)Math.Min(Math.Min(Math.Max(BatchSize, 1024), valid.Count), largestFittingBatch);
        var capacity = Math.Max(BatchSize, evaluationBatchSize);

        model.Prepare(capacity);
        input = new Tensor(backend, capacity, model.InputWidth);
        logitGradient = new Tensor(backend, capacity, model.OutputWidth);
        batchLabels = backend.Allocate<int>(capacity);
        rowStats = backend.Allocate<float>(2 * capacity);
        var slots = Math.Max(BatchesPerEpoch, Batches(valid.Count, evaluationBatchSize));
        metrics = backend.Allocate<float>(slots * MetricSlot.Width);
        hostMetrics = new float[slots * MetricSlot.Width];
    }

    public int BatchSize { get; }

    /// <summary>How the pixels' bytes become the model's inputs: x = byte * Scale + Shift.</summary>
    public InputScaling Scaling => scaling;

    /// <summary>The most rows whose widest activation (input or any layer's output) fits one device buffer.</summary>
    private static long LargestFittingBatch(ComputeBackend backend, Sequential model)
    {
        var width = model.InputWidth;
        var widest = width;
        foreach (var layer in model.Layers)
        {
            width = layer.OutputWidth(width);
            widest = Math.Max(widest, width);
        }
        return backend.MaxBufferBytes / (sizeof(float) * (long)widest);
    }

    public int BatchesPerEpoch => Batches(train.Count, BatchSize);

    /// <summary>Epochs trained so far.</summary>
    public int EpochsDone { get; private set; }

    /// <summary>Continues after <paramref name="epochsDone"/> finished epochs, as a resumed run does: the next epoch's shuffle and rate follow from it.</summary>
    public void Restore(int epochsDone)
    {
        if (epochsDone < 0)
        {
            throw new InvalidInputException($"a run cannot resume after {epochsDone} epochs");
        }
        EpochsDone = epochsDone;
    }

    /// <summary>The rate the next epoch trains at.</summary>
    public float CurrentLearningRate => schedule.RateForEpoch(EpochsDone);

    /// <summary>
    /// Trains one epoch over a fresh seeded permutation of the training set. <paramref name="batchQueued"/>
    /// is told the number of batches queued so far; it is called without waiting for the device.
    /// </summary>
    public EpochMetrics TrainEpoch(Action<int>? batchQueued = null)
    {
        var learningRate = schedule.RateForEpoch(EpochsDone);
        train.Shuffle(seed, EpochsDone);
        var batches = BatchesPerEpoch;
        for (var batch = 0; batch < batches; batch++)
        {
            var start = batch * BatchSize;
            var rows = Math.Min(BatchSize, train.Count - start);
            // Dropout's masks follow the global step, which a resumed optimizer restores: resume stays exact.
            model.TrainAt(optimizer.StepsTaken);
            var logits = Forward(train, start, rows);
            loss.ForwardBackward(backend, logits.Buffer, batchLabels, logitGradient.Buffer, rowStats, metrics, batch, rows, model.OutputWidth);
            model.Backward(logitGradient, rows);
            optimizer.Step(learningRate);
            batchQueued?.Invoke(batch + 1);
        }
        EpochsDone++;
        return ReadMetrics(batches, train.Count, EpochsDone);
    }

    /// <summary>
    /// Loss and accuracy over the validation set, in its stored order. Given a <paramref name="confusion"/>
    /// matrix, each batch's logits and labels are also read back and counted into it: a host round trip
    /// per batch, which training's own evaluation never asks for.
    /// </summary>
    public EpochMetrics Evaluate(ConfusionMatrix? confusion = null)
    {
        var batches = Batches(valid.Count, evaluationBatchSize);
        var hostLogits = confusion is null ? null : new float[evaluationBatchSize * model.OutputWidth];
        var hostLabels = confusion is null ? null : new int[evaluationBatchSize];
        model.Evaluate();
        for (var batch = 0; batch < batches; batch++)
        {
            var start = batch * evaluationBatchSize;
            var rows = Math.Min(evaluationBatchSize, valid.Count - start);
            var logits = Forward(valid, start, rows);
            // The fused op also writes a gradient; evaluation simply does not use it.
            loss.ForwardBackward(backend, logits.Buffer, batchLabels, logitGradient.Buffer, rowStats, metrics, batch, rows, model.OutputWidth);
            if (confusion is not null)
            {
                var batchLogits = hostLogits.AsSpan(0, rows * model.OutputWidth);
                var labels = hostLabels.AsSpan(0, rows);
                backend.Download(logits.Buffer, batchLogits);
                backend.Download(batchLabels, labels);
                confusion.Add(labels, batchLogits, model.OutputWidth);
            }
        }
        return ReadMetrics(batches, valid.Count, EpochsDone);
    }

    public void Dispose()
    {
        input.Dispose();
        logitGradient.Dispose();
        batchLabels.Dispose();
        rowStats.Dispose();
        metrics.Dispose();
    }

    private Tensor Forward(DeviceDataset data, int start, int rows)
    {
        backend.GatherBatch(data.Pixels, data.Labels, data.Order, start, rows, data.Features,
            scaling.Scale, scaling.Shift, input.Buffer, batchLabels);
        return model.Forward(input, rows);
    }

    /// <summary>Reads the epoch's slots back once and sums them in batch order, so results are bit-reproducible.</summary>
    private EpochMetrics ReadMetrics(int batches, int items, int epoch)
    {
        var slots = hostMetrics.AsSpan(0, batches * MetricSlot.Width);
        backend.Download(metrics, slots);
        double lossSum = 0;
        double correct = 0;
        for (var batch = 0; batch < batches; batch++)
        {
            var slot = slots.Slice(batch * MetricSlot.Width, MetricSlot.Width);
            if (slot[MetricSlot.NonFinite] != 0f || !float.IsFinite(slot[MetricSlot.LossSum]))
            {
                throw new DivergedException(epoch, batch + 1);
            }
            lossSum += slot[MetricSlot.LossSum];
            correct += slot[MetricSlot.Correct];
        }
        return new EpochMetrics(lossSum / items, correct / items, items);
    }

    private static int Batches(int items, int batchSize) => (items + batchSize - 1) / batchSize;
}
