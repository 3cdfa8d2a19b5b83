using System.Runtime.CompilerServices;
using Descent.Engine.Data;
using Descent.Kernels;
using Descent.Kernels.Planning;

namespace Descent.Engine.Training;

/// <summary>
/// The rows a run's steps take: training batches (global: all ranks' rows together), evaluation batches, the most rows one
/// process trains in a step (the whole batch alone, its largest share when ranks split it), and the rows every per-row
/// buffer holds.
/// </summary>
public sealed record BatchShape(int Training, int Evaluation, int StepRows)
{
    /// <summary>The batches of one process, which trains every row of a batch itself.</summary>
    public BatchShape(int training, int evaluation)
        : this(training, evaluation, training)
    {
    }

    public int Capacity => Math.Max(StepRows, Evaluation);
}

/// <summary>
/// Every device buffer a <see cref="TrainingRun"/> allocates, found by running it: the real model build,
/// optimizer, data and learner, and one training and one evaluation step, against a
/// <see cref="CountingBackend"/> that has the device's limits and allocates nothing. So the plan cannot
/// drift from what the run does: it sees every request in order, and the scratch the device's backend
/// would grow for its ops. What does not fit is refused as bad input naming the size needed and the size
/// there is, before the first real allocation: a per-row buffer beyond one buffer's limit shrinks the
/// evaluation batch (evaluation takes larger batches than training where they fit) or refuses the
/// training batch; a peak beyond the device's memory refuses the run.
/// Host memory the run uses besides (the data as read, initial weights on their way up) is not counted.
/// </summary>
public sealed class MemoryPlan
{
    private MemoryPlan(BatchShape batches, IReadOnlyList<AllocationRequest> requests, IReadOnlyList<ScratchNeed> scratch, long peakBytes)
    {
        Batches = batches;
        Requests = requests;
        Scratch = scratch;
        PeakBytes = peakBytes;
    }

    public BatchShape Batches { get; }

    /// <summary>Every buffer the run allocates, in order: its element type and count.</summary>
    public IReadOnlyList<AllocationRequest> Requests { get; }

    /// <summary>The scratch the device's backend grows for the run's ops, at its largest.</summary>
    public IReadOnlyList<ScratchNeed> Scratch { get; }

    /// <summary>The most bytes the run holds at once, scratch included: what the device must have room for.</summary>
    public long PeakBytes { get; }

    /// <summary>
    /// The plan of a run of <paramref name="spec"/> on <paramref name="train"/> and <paramref name="valid"/>
    /// (the same object when it evaluates on its training set), and <paramref name="test"/>, a test set only reported, where it has one,
    /// for one of <paramref name="ranks"/> processes that split every batch: each holds rows for its share only.
    /// </summary>
    /// <exception cref="InvalidInputException">A buffer, a batch or the whole run does not fit <paramref name="backend"/>.</exception>
    public static MemoryPlan For(ComputeBackend backend, TrainingSpec spec, ImageDataset train, ImageDataset valid, ImageDataset? test = null,
        int ranks = 1)
    {
        if (spec.BatchSize <= 0)
        {
            throw new InvalidInputException($"the batch size must be positive, got {spec.BatchSize}");
        }
        var model = spec.Model.WidthsText;
        CheckTensors(backend, spec.Model);
        // Every per-row buffer is rows x the features of a value of the graph (a layer's input or output), or the row losses' 2.
        var graph = spec.Model.Graph;
        var widest = graph.Nodes.Select(node => node.OutputShape.Features).Append(graph.Input.Features).Append(2).Max();
        var largestRows = LimitElements<float>(backend) / widest;
        var training = Math.Min(spec.BatchSize, train.Count);
        var stepRows = Learner.LargestShare(training, ranks);
        if (stepRows > largestRows)
        {
            var rows = ranks > 1 ? $"a share of {stepRows} rows (of a batch of {training} split between {ranks} ranks)" : $"a batch of {training} rows";
            throw new InvalidInputException(
                $"{rows} does not fit {backend.Name}'s largest buffer ({LimitText<float>(backend)} on {backend.DeviceDescription}): " +
                $"a layer of the {model} model of {widest} features a row would take {MemoryCapacity.Format((double)stepRows * widest * sizeof(float))}; " +
                $"the largest {(ranks > 1 ? "share" : "batch")} that fits is {largestRows}");
        }
        var preferred = Learner.ShapeBatches(training, valid.Count, largestRows, ranks);
        var memory = backend.Memory;
        var plan = Count(backend, spec, train, valid, test, preferred);
        if (plan.PeakBytes > memory.Bytes && preferred.Evaluation > preferred.StepRows)
        {
            plan = Count(backend, spec, train, valid, test, preferred with { Evaluation = preferred.StepRows });
        }
        if (plan.PeakBytes > memory.Bytes)
        {
            throw new InvalidInputException(
                $"training the {model} model with batch {preferred.Training} needs {MemoryCapacity.Format(plan.PeakBytes)} of memory; " +
                $"{backend.Name} has {MemoryCapacity.Format(memory.Bytes)} ({memory.Where}): use a smaller model or --batch-size");
        }
        return plan;
    }

    /// <summary>
    /// Every declared tensor, and the parameter store that holds them all, within one buffer of the backend, in
    /// 64-bit arithmetic: checked before the model is built, since building draws every initial value on the host.
    /// </summary>
    public static void CheckTensors(ComputeBackend backend, Models.ModelSpec model)
    {
        long storeLength = 0;
        foreach (var (name, tensor) in model.Graph.Tensors)
        {
            var elements = tensor.Shape.Aggregate(1L, (product, size) => product * size);
            CheckBuffer(backend, $"tensor {name} [{string.Join(", ", tensor.Shape)}] of the {model.WidthsText} model", elements);
            if (tensor.Role == Layers.TensorRole.Parameter)
            {
                storeLength += (elements + backend.ViewAlignment - 1) / backend.ViewAlignment * backend.ViewAlignment;
            }
        }
        CheckBuffer(backend, $"the parameters of the {model.WidthsText} model", storeLength);
    }

    private static void CheckBuffer(ComputeBackend backend, string what, long elements)
    {
        if (elements > LimitElements<float>(backend))
        {
            throw new InvalidInputException(
                $"{what} would take {elements} floats ({MemoryCapacity.Format((double)elements * sizeof(float))}), " +
                $"more than one {backend.Name} buffer holds ({LimitText<float>(backend)})");
        }
    }

    /// <summary>Runs the build and one step of each kind against a counting backend with <paramref name="backend"/>'s limits.</summary>
    private static MemoryPlan Count(ComputeBackend backend, TrainingSpec spec, ImageDataset train, ImageDataset valid, ImageDataset? test,
        BatchShape batches)
    {
        using var counting = CountingBackend.Create(backend);
        try
        {
            using var run = new TrainingRun(counting, spec, train, valid, test, batches);
            run.Learner.RunOneStepOfEach();
        }
        catch (InvalidInputException error) when (counting.Requests.Count > 0)
        {
            throw new InvalidInputException($"training the {spec.Model.WidthsText} model with batch {batches.Training} on {backend.Name}: {error.Message}", error);
        }
        foreach (var request in counting.Requests)
        {
            if (request.Bytes > backend.MaxBufferBytes)
            {
                throw new InvalidInputException(
                    $"a buffer of {request.Elements} {ElementName(request.ElementType)} ({MemoryCapacity.Format(request.Bytes)}) for the " +
                    $"{spec.Model.WidthsText} model with batch {batches.Training} is more than one {backend.Name} buffer holds ({LimitText<float>(backend)})");
            }
        }
        return new MemoryPlan(batches, counting.Requests.ToArray(), counting.Scratch.ToArray(), counting.PeakBytes);
    }

    private static long LimitElements<T>(ComputeBackend backend) where T : unmanaged =>
        Math.Min(backend.MaxBufferElements, backend.MaxBufferBytes / Unsafe.SizeOf<T>());

    private static string LimitText<T>(ComputeBackend backend) where T : unmanaged => backend.MaxBufferBytes / Unsafe.SizeOf<T>() < backend.MaxBufferElements
        ? MemoryCapacity.Format(backend.MaxBufferBytes)
        : $"{backend.MaxBufferElements} {ElementName(typeof(T))}";

    private static string ElementName(Type type) => type == typeof(byte) ? "bytes" : type == typeof(int) ? "ints" : "floats";
}
