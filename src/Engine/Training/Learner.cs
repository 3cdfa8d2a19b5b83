using Descent.Engine.Distributed;
using Descent.Engine.Layers;
using Descent.Engine.Losses;
using Descent.Engine.Models;
using Descent.Engine.Optimizers;
using Descent.Engine.Tensors;
using Descent.Kernels;

namespace Descent.Engine.Training;

/// <summary>
/// Trains a model one epoch at a time and evaluates it, all on the device. A step gathers its batch,
/// runs forward, the fused loss and gradient, backward and the optimizer update, and writes its loss
/// and correct count into its own slot of an epoch buffer; the buffer is read back once per epoch.
/// Every buffer is sized here, so a step allocates nothing; <see cref="MemoryPlan"/> sized them first, to
/// refuse what does not fit before any is allocated. The epoch loop belongs to the caller.
/// </summary>
public sealed class Learner : IDisposable
{
    private readonly ComputeBackend backend;
    private readonly Network model;
    private readonly LossFunction loss;
    private readonly Optimizer optimizer;
    private readonly LearningRateSchedule schedule;
    private readonly DeviceDataset train;
    private readonly DeviceDataset valid;
    private readonly DeviceDataset? test;
    private readonly InputNormalization normalization;
    private readonly DeviceBuffer<float> channelScaleShift;
    private readonly int seed;
    private readonly FeatureShape image;
    private readonly ImageAugmentation augmentation;
    private readonly int evaluationBatchSize;
    private readonly int stepRows;
    private readonly Tensor input;
    private readonly Tensor logitGradient;
    private readonly DeviceBuffer<int> batchLabels;
    private readonly DeviceBuffer<float> rowStats;
    private readonly DeviceBuffer<float> metrics;
    private readonly float[] hostMetrics;
    private readonly double[] summedMetrics;
    private readonly ProcessGroup group;
    private readonly GradientExchange? exchange;

    public Learner(ComputeBackend backend, Network model, LossFunction loss, Optimizer optimizer,
        LearningRateSchedule schedule, DeviceDataset train, DeviceDataset valid, BatchShape batches, int seed,
        InputNormalization? normalization = null, FeatureShape? image = null, ImageAugmentation augmentation = default, DeviceDataset? test = null,
        ProcessGroup? group = null)
    {
        if (model.InputWidth != train.Features || model.InputWidth != valid.Features || (test is not null && model.InputWidth != test.Features))
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
        this.test = test;
        this.normalization = normalization ?? InputNormalization.Unit;
        this.seed = seed;
        this.image = image ?? FeatureShape.Flat(train.Features);
        if (this.image.Features != train.Features)
        {
            throw new InvalidInputException($"the data has {train.Features} features, not the {this.image} images it was said to hold");
        }
        this.augmentation = augmentation;
        this.group = group ?? ProcessGroup.Alone;
        exchange = this.group.Size > 1 && model.Store is { } store ? new GradientExchange(this.group, store) : null;
        BatchSize = batches.Training;
        evaluationBatchSize = batches.Evaluation;
        stepRows = batches.StepRows;
        // A rank's per-row buffers hold its share of a training batch, or an evaluation batch, whichever is larger.
        var capacity = batches.Capacity;

        model.Prepare(capacity);
        input = new Tensor(backend, capacity, model.InputWidth);
        logitGradient = new Tensor(backend, capacity, model.OutputWidth);
        batchLabels = backend.Allocate<int>(capacity);
        rowStats = backend.Allocate<float>(2 * capacity);
        var slots = Math.Max(BatchesPerEpoch, Math.Max(Batches(valid.Count, evaluationBatchSize), Batches(test?.Count ?? 0, evaluationBatchSize)));
        metrics = backend.Allocate<float>(slots * MetricSlot.Width);
        hostMetrics = new float[slots * MetricSlot.Width];
        summedMetrics = new double[slots * MetricSlot.Width];
        // Each channel's scale and shift, uploaded once: every gather reads them on the device.
        var scaleShift = this.normalization.ScaleAndShift();
        channelScaleShift = backend.Allocate<float>(scaleShift.Length);
        backend.Upload<float>(channelScaleShift, scaleShift);
    }

    public int BatchSize { get; }

    /// <summary>Time the ranks spent summing gradients (the all-reduce); zero for one process.</summary>
    public TimeSpan GradientSumTime => exchange?.SumTime ?? TimeSpan.Zero;

    /// <summary>How the pixels' bytes become the model's inputs, per channel: x = byte * scale[c] + shift[c].</summary>
    public InputNormalization Normalization => normalization;

    /// <summary>
    /// The batches of a run that trains on <paramref name="trainingRows"/> rows a step (at most the training set), split
    /// between <paramref name="ranks"/> processes, and evaluates <paramref name="validCount"/> items, with at most
    /// <paramref name="largestRows"/> rows fitting one buffer. Evaluation needs no gradients, so it takes batches at least
    /// as large as a process's share of a training step, where they fit.
    /// </summary>
    public static BatchShape ShapeBatches(int trainingRows, int validCount, long largestRows, int ranks = 1)
    {
        var stepRows = LargestShare(trainingRows, ranks);
        return new(trainingRows, (int)Math.Min(Math.Min(Math.Max(stepRows, 1024), validCount), largestRows), stepRows);
    }

    /// <summary>The most rows one of <paramref name="ranks"/> processes trains of a batch of <paramref name="rows"/>: shares differ by at most one row.</summary>
    public static int LargestShare(int rows, int ranks) => (int)(((long)rows + ranks - 1) / ranks);

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

    /// <summary>The rate the next epoch trains at: its first step's, for a schedule that changes every step.</summary>
    public float CurrentLearningRate => schedule.RateForStep(FirstStepOfNextEpoch, BatchesPerEpoch);

    /// <summary>
    /// The global step the next epoch starts at, counted from the epochs done, which a resumed run restores: so a step's rate
    /// depends on the run's position alone.
    /// </summary>
    private long FirstStepOfNextEpoch => (long)EpochsDone * BatchesPerEpoch;

    /// <summary>
    /// Trains one epoch over a fresh seeded permutation of the training set. <paramref name="batchQueued"/>
    /// is told the number of batches queued so far; it is called without waiting for the device.
    /// </summary>
    public EpochMetrics TrainEpoch(Action<int>? batchQueued = null)
    {
        var firstStep = FirstStepOfNextEpoch;
        train.Shuffle(seed, EpochsDone);
        var batches = BatchesPerEpoch;
        for (var batch = 0; batch < batches; batch++)
        {
            TrainBatch(batch, schedule.RateForStep(firstStep + batch, batches));
            batchQueued?.Invoke(batch + 1);
        }
        EpochsDone++;
        return ReadMetrics(batches, train.Count, EpochsDone, group, training: true);
    }

    /// <summary>
    /// Trains the batches of the next epoch's permutation one at a time, batch b at
    /// <paramref name="rateOfBatch"/>(b), and reads each batch's mean loss back before queuing the next: a
    /// host round trip per step that an epoch never pays, but that the learning-rate finder needs, since it
    /// decides from each loss whether to go on. Stops after the batch for which <paramref name="keepGoing"/>
    /// returns false, or at the epoch's end. A non-finite loss is handed over as NaN rather than thrown: for
    /// the finder, divergence ends the sweep. No epoch is counted as done.
    /// </summary>
    public void TrainBatchByBatch(Func<int, float> rateOfBatch, Func<int, double, bool> keepGoing)
    {
        train.Shuffle(seed, EpochsDone);
        Span<float> slot = stackalloc float[MetricSlot.Width];
        for (var batch = 0; batch < BatchesPerEpoch; batch++)
        {
            var rows = TrainBatch(batch, rateOfBatch(batch));
            backend.Download(metrics, slot, batch * MetricSlot.Width);
            var finite = slot[MetricSlot.NonFinite] == 0f && float.IsFinite(slot[MetricSlot.LossSum]);
            if (!keepGoing(batch, finite ? slot[MetricSlot.LossSum] / (double)rows : double.NaN))
            {
                return;
            }
        }
    }

    /// <summary>
    /// Loss and accuracy over the validation set, in its stored order. Given a <paramref name="confusion"/>
    /// matrix, each batch's logits and labels are also read back and counted into it: a host round trip
    /// per batch, which training's own evaluation never asks for.
    /// </summary>
    public EpochMetrics Evaluate(ConfusionMatrix? confusion = null) => EvaluateOn(valid, confusion);

    /// <summary>Whether the run holds a test set beside its validation set, reported by <see cref="EvaluateTest"/> and never choosing anything.</summary>
    public bool HasTestSet => test is not null;

    /// <summary>Loss and accuracy over the test set (in its stored order): a report beside the validation set's, never a choice.</summary>
    public EpochMetrics EvaluateTest() =>
        EvaluateOn(test ?? throw new InvalidOperationException("this run holds no test set"), confusion: null);

    private EpochMetrics EvaluateOn(DeviceDataset data, ConfusionMatrix? confusion)
    {
        var batches = Batches(data.Count, evaluationBatchSize);
        var hostLogits = confusion is null ? null : new float[evaluationBatchSize * model.OutputWidth];
        var hostLabels = confusion is null ? null : new int[evaluationBatchSize];
        // Ranks evaluate every Size-th batch and sum the slots; a confusion matrix needs every batch here, so it is not shared.
        var sharing = confusion is null ? group : ProcessGroup.Alone;
        ShareRankZeroState();
        model.Evaluate();
        for (var batch = sharing.Rank; batch < batches; batch += sharing.Size)
        {
            var start = batch * evaluationBatchSize;
            var rows = Math.Min(evaluationBatchSize, data.Count - start);
            var logits = Forward(data, start, rows);
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
        return ReadMetrics(batches, data.Count, EpochsDone, sharing, training: false);
    }

    /// <summary>
    /// Rank 0's saved state (batch normalisation's running statistics) copied to every rank before an evaluation: each rank
    /// normalised its own rows while training (as DistributedDataParallel does without SyncBatchNorm), so their statistics
    /// differ, and rank 0's are the ones it evaluates with and saves (DistributedDataParallel's broadcast_buffers).
    /// </summary>
    private void ShareRankZeroState()
    {
        if (group.Size == 1)
        {
            return;
        }
        foreach (var state in model.State)
        {
            if (state.Values is { } values)
            {
                var host = new float[values.Length];
                backend.Download(values, host);
                group.BroadcastFromRankZero(host);
                backend.Upload<float>(values, host);
            }
        }
    }

    /// <summary>
    /// One training step and one evaluation batch, reading nothing back: what the memory plan runs against a
    /// counting backend to see every buffer and scratch a run asks for.
    /// </summary>
    internal void RunOneStepOfEach()
    {
        // The largest share a rank trains, which is the whole first batch for one process; the sum across ranks allocates
        // nothing on the device.
        ForwardAndBackward(0, 0, Math.Min(stepRows, RowsOfBatch(0)));
        optimizer.Step(schedule.RateForStep(FirstStepOfNextEpoch, BatchesPerEpoch));
        model.Evaluate();
        var rows = Math.Min(evaluationBatchSize, valid.Count);
        var logits = Forward(valid, 0, rows);
        loss.ForwardBackward(backend, logits.Buffer, batchLabels, logitGradient.Buffer, rowStats, metrics, 0, rows, model.OutputWidth);
    }

    public void Dispose()
    {
        input.Dispose();
        logitGradient.Dispose();
        batchLabels.Dispose();
        rowStats.Dispose();
        metrics.Dispose();
        channelScaleShift.Dispose();
    }

    /// <summary>
    /// Queues one step on batch <paramref name="batch"/> of the training order; returns its rows. With several ranks this
    /// rank trains its share of the batch's rows, and the gradients are summed across ranks before the update.
    /// </summary>
    private int TrainBatch(int batch, float learningRate)
    {
        var rows = RowsOfBatch(batch);
        var (first, count) = group.ShareOf(rows);
        ForwardAndBackward(batch, first, count);
        exchange?.SumGradients(count, rows);
        optimizer.Step(learningRate);
        return rows;
    }

    /// <summary>The forward pass, loss and backward pass over rows [first, first + count) of batch <paramref name="batch"/>, leaving the gradients.</summary>
    private void ForwardAndBackward(int batch, int first, int count)
    {
        // Dropout's masks follow the global step, which a resumed optimizer restores: resume stays exact. They draw by the row's
        // place in the whole batch, so a rank draws for its rows what one process draws for them.
        model.TrainAt(optimizer.StepsTaken, first);
        if (count > 0)
        {
            var logits = Augmented(batch * BatchSize + first, count);
            loss.ForwardBackward(backend, logits.Buffer, batchLabels, logitGradient.Buffer, rowStats, metrics, batch, count, model.OutputWidth);
            model.Backward(logitGradient, count);
        }
    }

    private int RowsOfBatch(int batch) => Math.Min(BatchSize, train.Count - batch * BatchSize);

    /// <summary>
    /// The forward pass on a training batch, augmented as the run asks: each item's crop and flip are drawn from (seed, epoch,
    /// item), so a resumed run, which restores the epoch, draws what an uninterrupted one would.
    /// </summary>
    private Tensor Augmented(int start, int rows)
    {
        if (augmentation.IsIdentity)
        {
            return Forward(train, start, rows);
        }
        backend.GatherBatchAugmented(train.Pixels, train.Labels, train.Order, start, rows, image.Channels, image.Height, image.Width,
            channelScaleShift, augmentation, new AugmentationKey(unchecked((uint)seed), (uint)EpochsDone), input.Buffer, batchLabels);
        return model.Forward(input, rows);
    }

    private Tensor Forward(DeviceDataset data, int start, int rows)
    {
        backend.GatherBatch(data.Pixels, data.Labels, data.Order, start, rows, data.Features,
            channelScaleShift, normalization.Channels, input.Buffer, batchLabels);
        return model.Forward(input, rows);
    }

    /// <summary>
    /// Reads the epoch's slots back once and sums them in batch order, so results are bit-reproducible. With several ranks,
    /// the slots this rank wrote (its shares of training batches, or its evaluation batches) are summed with the other ranks'
    /// first, in one all-reduce.
    /// </summary>
    private EpochMetrics ReadMetrics(int batches, int items, int epoch, ProcessGroup sharing, bool training)
    {
        var slots = hostMetrics.AsSpan(0, batches * MetricSlot.Width);
        backend.Download(metrics, slots);
        var summed = summedMetrics.AsSpan(0, slots.Length);
        for (var i = 0; i < slots.Length; i++)
        {
            var batch = i / MetricSlot.Width;
            var wrote = sharing.Size == 1 || (training ? sharing.ShareOf(RowsOfBatch(batch)).Count > 0 : batch % sharing.Size == sharing.Rank);
            summed[i] = wrote ? slots[i] : 0;
        }
        sharing.AllReduceSum(summed);
        double lossSum = 0;
        double correct = 0;
        for (var batch = 0; batch < batches; batch++)
        {
            var slot = summed.Slice(batch * MetricSlot.Width, MetricSlot.Width);
            if (slot[MetricSlot.NonFinite] != 0 || !double.IsFinite(slot[MetricSlot.LossSum]))
            {
                throw new DivergedException(epoch, batch + 1);
            }
            lossSum += slot[MetricSlot.LossSum];
            correct += slot[MetricSlot.Correct];
        }
        return new EpochMetrics(lossSum / items, correct / items, items);
    }

    /// <summary>Batches of at most <paramref name="batchSize"/> rows that cover <paramref name="items"/>.</summary>
    public static int Batches(int items, int batchSize) => (items + batchSize - 1) / batchSize;
}
