using System.Runtime.CompilerServices;
using Descent.Engine.Data;
using Descent.Engine.Models;
using Descent.Engine.Optimizers;
using Descent.Kernels;

namespace Descent.Engine.Training;

/// <summary>The rows a run's steps take: training batches, evaluation batches, and the rows every per-row buffer holds.</summary>
public sealed record BatchShape(int Training, int Evaluation)
{
    public int Capacity => Math.Max(Training, Evaluation);
}

/// <summary>One device buffer a run allocates: what it holds and how many elements of how many bytes.</summary>
public sealed record PlannedBuffer(string What, long Elements, int ElementBytes)
{
    public long Bytes => Elements * ElementBytes;
}

/// <summary>
/// Every device buffer a <see cref="TrainingRun"/> allocates, in the order it allocates them, sized from
/// the spec and the data in 64-bit arithmetic before the first one is: a buffer over the backend's
/// limits, a batch whose rows do not fit one buffer, or a peak beyond the device's memory is refused
/// as bad input naming the size needed and the size there is, where allocating would overflow an int,
/// fail deep in a driver, or take the machine's memory until the kernel kills the process.
/// <para>
/// The plan follows the run's own order, so its peak is the run's: each layer's parameters in buffers
/// of their own, then the one store they move into (<see cref="Layers.ParameterStore"/>) before their
/// own buffers are released, the optimizer's state, the data, then the learner's per-row buffers.
/// Host memory the run uses besides (the data as read, initial weights on their way up) is not counted.
/// </para>
/// </summary>
public sealed class MemoryPlan
{
    private readonly ComputeBackend backend;
    private readonly List<PlannedBuffer> buffers = [];
    private long liveBytes;

    private MemoryPlan(ComputeBackend backend)
    {
        this.backend = backend;
    }

    /// <summary>Every buffer the run allocates, in order.</summary>
    public IReadOnlyList<PlannedBuffer> Buffers => buffers;

    /// <summary>The most bytes the run holds at once: what the device must have room for.</summary>
    public long PeakBytes { get; private set; }

    public required BatchShape Batches { get; init; }

    /// <summary>
    /// The plan of a run of <paramref name="spec"/> on <paramref name="train"/> and <paramref name="valid"/>
    /// (the same object when it evaluates on its training set). Evaluation batches are larger than
    /// training's where they fit (<see cref="Learner.ShapeBatches"/>), and as large where only those fit.
    /// </summary>
    /// <exception cref="InvalidInputException">A buffer, a batch or the whole run does not fit <paramref name="backend"/>.</exception>
    public static MemoryPlan For(ComputeBackend backend, TrainingSpec spec, ImageDataset train, ImageDataset valid)
    {
        if (spec.BatchSize <= 0)
        {
            throw new InvalidInputException($"the batch size must be positive, got {spec.BatchSize}");
        }
        var model = spec.Model.WidthsText;
        // Every per-row buffer is rows x a width: a layer's, or the row losses' 2.
        var largestRows = LimitElements(backend, sizeof(float)) / Math.Max(spec.Model.Widths.Max(), 2);
        var preferred = Learner.ShapeBatches(Math.Min(spec.BatchSize, train.Count), valid.Count, largestRows);
        var memory = backend.Memory;
        var plan = Lay(backend, spec, train, valid, preferred, largestRows);
        if (plan.PeakBytes > memory.Bytes && preferred.Evaluation > preferred.Training)
        {
            plan = Lay(backend, spec, train, valid, preferred with { Evaluation = preferred.Training }, largestRows);
        }
        if (plan.PeakBytes > memory.Bytes)
        {
            throw new InvalidInputException(
                $"training the {model} model with batch {preferred.Training} needs {MemoryCapacity.Format(plan.PeakBytes)} of memory; " +
                $"{backend.Name} has {MemoryCapacity.Format(memory.Bytes)} ({memory.Where}): use a smaller model or --batch-size");
        }
        return plan;
    }

    /// <summary>Every buffer in the order the run allocates it, each checked against the backend's limits.</summary>
    /// <param name="largestRows">The most rows every per-row buffer holds within one buffer of the backend.</param>
    private static MemoryPlan Lay(ComputeBackend backend, TrainingSpec spec, ImageDataset train, ImageDataset valid, BatchShape batches,
        long largestRows)
    {
        var layers = spec.Model.Assembly();
        var model = spec.Model.WidthsText;
        var plan = new MemoryPlan(backend) { Batches = batches };

        // Each linear or convolutional layer allocates its weight and bias, each a value and a gradient (Parameter)...
        var own = new List<PlannedBuffer>();
        long storeLength = 0;
        foreach (var (layer, number) in layers.Select((layer, index) => (layer, index + 1)).Where(pair => pair.layer.BiasElements > 0))
        {
            foreach (var (name, shape, elements) in new[]
                     {
                         ("weight", layer.WeightShape, layer.WeightElements), ("bias", $"{layer.BiasElements}", (long)layer.BiasElements),
                     })
            {
                var what = $"layer {number}'s {name} ({shape}) of the {model} model";
                own.Add(plan.Allocate<float>(what, elements));
                own.Add(plan.Allocate<float>($"the gradient of {what}", elements));
                storeLength += (elements + backend.ViewAlignment - 1) / backend.ViewAlignment * backend.ViewAlignment;
            }
        }
        // ...then the model packs them into one store of values and one of gradients and releases them.
        plan.Allocate<float>($"the parameters of the {model} model", storeLength);
        plan.Allocate<float>($"the gradients of the {model} model", storeLength);
        plan.Release(own);
        for (var state = 0; state < OptimizerFactory.StateBuffers(spec.Optimizer.Kind); state++)
        {
            plan.Allocate<float>($"the {CliNames.Of(spec.Optimizer.Kind)} state of the {model} model", storeLength);
        }

        plan.AllocateDataset("training set", train);
        if (!ReferenceEquals(train, valid))
        {
            plan.AllocateDataset("evaluation set", valid);
        }

        // Within the weights' limits every single row fits (a width is at most its weight); a batch of rows may not.
        if (batches.Training > largestRows)
        {
            throw new InvalidInputException(
                $"a batch of {batches.Training} rows does not fit {backend.Name}'s largest buffer ({LimitText<float>(backend)} on " +
                $"{backend.DeviceDescription}): the largest batch that fits is {largestRows}");
        }
        long rows = batches.Capacity;
        // Each layer's per-row buffers, as Linear.Prepare and RowWiseLayer.Prepare size them.
        foreach (var (layer, number) in layers.Select((layer, index) => (layer, index + 1)))
        {
            plan.Allocate<float>($"layer {number}'s output for {rows} rows", rows * layer.Outputs);
            plan.Allocate<float>($"layer {number}'s input gradient for {rows} rows", rows * layer.Inputs);
            if (layer.FusedActivation is not null)
            {
                plan.Allocate<float>($"layer {number}'s activation gradient for {rows} rows", rows * layer.Outputs);
            }
        }
        plan.Allocate<float>($"the input of a batch of {rows} rows", rows * spec.Model.Inputs);
        plan.Allocate<float>($"the logit gradient of a batch of {rows} rows", rows * spec.Model.Outputs);
        plan.Allocate<int>($"the labels of a batch of {rows} rows", rows);
        plan.Allocate<float>($"the row losses of a batch of {rows} rows", 2 * rows);
        var slots = Math.Max(Learner.Batches(train.Count, batches.Training), Learner.Batches(valid.Count, batches.Evaluation));
        plan.Allocate<float>("the epoch's metrics", (long)slots * MetricSlot.Width);
        plan.Allocate<float>("the inputs' scale and shift per channel", 2 * spec.Normalization.Channels);
        return plan;
    }

    private void AllocateDataset(string name, ImageDataset data)
    {
        Allocate<byte>($"the {name}'s pixels ({data.Count} x {data.Features})", (long)data.Count * data.Features);
        Allocate<int>($"the {name}'s labels", data.Count);
        Allocate<int>($"the {name}'s order", data.Count);
    }

    /// <summary>Counts a buffer in, refused first if it is more than one buffer of the backend holds.</summary>
    private PlannedBuffer Allocate<T>(string what, long elements) where T : unmanaged
    {
        var elementBytes = Unsafe.SizeOf<T>();
        if (elements > LimitElements(backend, elementBytes))
        {
            throw new InvalidInputException(
                $"{what} would take {elements} {ElementName<T>()} ({MemoryCapacity.Format((double)elements * elementBytes)}), " +
                $"more than one {backend.Name} buffer holds ({LimitText<T>(backend)})");
        }
        // Within the limit, elements are under 2^31 and bytes under 2^33: no sum of them overflows.
        var buffer = new PlannedBuffer(what, elements, elementBytes);
        buffers.Add(buffer);
        liveBytes += buffer.Bytes;
        PeakBytes = Math.Max(PeakBytes, liveBytes);
        return buffer;
    }

    private void Release(IEnumerable<PlannedBuffer> released) => liveBytes -= released.Sum(buffer => buffer.Bytes);

    private static long LimitElements(ComputeBackend backend, int elementBytes) => Math.Min(backend.MaxBufferElements, backend.MaxBufferBytes / elementBytes);

    private static string LimitText<T>(ComputeBackend backend) where T : unmanaged => backend.MaxBufferBytes / Unsafe.SizeOf<T>() < backend.MaxBufferElements
        ? MemoryCapacity.Format(backend.MaxBufferBytes)
        : $"{backend.MaxBufferElements} {ElementName<T>()}";

    private static string ElementName<T>() where T : unmanaged =>
        typeof(T) == typeof(byte) ? "bytes" : typeof(T) == typeof(int) ? "ints" : "floats";
}
