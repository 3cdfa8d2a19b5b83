using Descent.Engine.Benchmarking;
using Descent.Engine.Data;
using Descent.Engine.Layers;
using Descent.Engine.Losses;
using Descent.Engine.Models;
using Descent.Engine.Optimizers;
using Descent.Engine.Training;
using Descent.Kernels;
using Descent.Kernels.Planning;
using Xunit;

namespace Descent.Tests.Engine;

/// <summary>
/// A run's memory is planned in 64 bits before its first allocation: the plan is what the run then
/// allocates, byte for byte at its peak, and what does not fit is refused with nothing allocated.
/// </summary>
public sealed class MemoryPlanTests
{
    [Theory]
    [InlineData("784-10", "sgd", 64, 100, 100)]
    [InlineData("784-32-16-10", "sgd", 64, 1000, 300)]
    [InlineData("784-32-16-10", "adamw", 7, 50, 2000)]
    [InlineData("784-2000-10", "sgd", 16, 40, 40)]
    [InlineData("784-8-10", "adamw", 500, 3000, 0)]
    [InlineData(Cnn, "adadelta", 8, 40, 30)]
    [InlineData(PaddedPoolingNet, "sgd", 5, 30, 20)]
    [InlineData(ResidualNet, "adamw", 6, 20, 20)]
    [InlineData(PooledNet, "sgd", 7, 30, 20)]
    [InlineData(NormalisedNet, "sgd", 6, 20, 20)]
    public void The_plan_is_what_the_run_allocates(string layers, string optimizer, int batchSize, int trainItems, int validItems)
    {
        using var backend = InertBackend.Create();
        var requests = Record(backend);
        var train = Images(trainItems);
        var valid = validItems == 0 ? train : Images(validItems);

        using var run = new TrainingRun(backend, Spec(layers, optimizer, batchSize), train, valid);
        run.Learner.TrainEpoch();
        run.Learner.Evaluate();

        Assert.Equal(run.Plan.Requests, requests);
        Assert.Equal(run.Plan.PeakBytes, backend.PeakBytes);
        Assert.Equal(run.Learner.BatchSize, run.Plan.Batches.Training);
    }

    /// <summary>
    /// On every backend, the plan's ordered requests are what building the run, a training epoch and an evaluation
    /// ask of it (so a step allocates nothing), for MLPs, the CNN, a conv net with pooling and padding and a residual net.
    /// </summary>
    [SkippableTheory]
    [InlineData("reference")]
    [InlineData("cpu")]
    [InlineData("ilgpu-cpu")]
    [InlineData("vulkan")]
    public void The_plan_is_what_the_run_asks_of_every_backend(string backendName)
    {
        using var backend = backendName == "vulkan" ? Vulkan.VulkanAvailability.CreateValidated() : Backends.Create(backendName);
        foreach (var (layers, optimizer) in new[] { ("784-16-10", "sgd"), (Cnn, "adadelta"), (PaddedPoolingNet, "sgd"), (ResidualNet, "adamw"), (PooledNet, "sgd"), (NormalisedNet, "sgd") })
        {
            var requests = Record(backend);
            var data = Images(6);
            using var run = new TrainingRun(backend, Spec(layers, optimizer, 4), data, data);
            run.Learner.TrainEpoch();
            run.Learner.Evaluate();

            Assert.Equal(run.Plan.Requests, requests);
            backend.AllocationObserver = null;
        }
    }

    /// <summary>
    /// --arch resnet with its recipe (Nesterov SGD whose decay spares the batch-norm vectors, one-cycle, crops): the plan holds
    /// every batch normalisation's parameters, running statistics and saved batch statistics, every block's sums and the
    /// shortcuts' gradient sums, and is what the run allocates, in order and at its peak.
    /// </summary>
    [Theory]
    [InlineData("inert")]
    [InlineData("cpu")]
    public void The_plan_is_what_a_resnet_run_with_its_recipe_allocates(string backendName)
    {
        using var backend = backendName == "inert" ? InertBackend.Create() : Backends.Create(backendName);
        var requests = Record(backend);
        var data = Images(12);
        var spec = new TrainingSpec("test", [1, 28, 28], ModelSpec.Resnet(new FeatureShape(1, 28, 28), 10, 8), LossFunction.CrossEntropy.Name,
            new OptimizerSettings(OptimizerKind.Sgd, 0.9f, 5e-4f, Nesterov: true, DecayScope.Weights),
            new ScheduleSettings(ScheduleKind.OneCycle, 0.1f, 1, 1f, 1), 5, Seed: 1, Augment: ["crop4"]);

        using var run = new TrainingRun(backend, spec, data, data);
        run.Learner.TrainEpoch();
        run.Learner.Evaluate();

        Assert.Equal(run.Plan.Requests, requests);
        if (backend is InertBackend inert)
        {
            Assert.Equal(run.Plan.PeakBytes, inert.PeakBytes);
        }
        // Each of the nine batch normalisations keeps its running mean and variance and saves its batch's mean and inverse
        // deviation, four buffers of its channels beside its weight and bias in the parameter store; all of them are planned.
        var channels = spec.Model.Graph.Nodes.Where(node => node.Spec is BatchNormLayerSpec).Select(node => node.InputShape.Channels).ToList();
        Assert.Equal(9, channels.Count);
        foreach (var count in channels.Distinct())
        {
            Assert.True(requests.Count(request => request.Elements == count) >= 4 * channels.Count(c => c == count),
                $"the plan holds fewer {count}-element buffers than the batch normalisations of {count} channels need");
        }
        backend.AllocationObserver = null;
    }

    /// <summary>Activations that no linear layer takes in are layers of their own, with buffers of their own.</summary>
    [Fact]
    public void The_plan_counts_activations_that_are_layers_of_their_own()
    {
        using var backend = InertBackend.Create();
        var requests = Record(backend);
        var init = LinearInit.PyTorchDefault;
        var model = new ModelSpec(784, [new ActivationLayerSpec(Activation.Relu), new LinearLayerSpec(16, init),
            new ActivationLayerSpec(Activation.Tanh), new ActivationLayerSpec(Activation.Sigmoid), new LinearLayerSpec(10, init)]);
        var spec = Spec("784-16-10", "sgd", 32) with { Model = model };

        using var run = new TrainingRun(backend, spec, Images(100), Images(50));

        Assert.Equal(run.Plan.PeakBytes, backend.PeakBytes);
        Assert.Equal(run.Plan.Requests, requests);
        Assert.Equal(4, run.Model.Layers.Count);
    }

    /// <summary>
    /// The CNN's conv2 output is 36,864 floats a row: on a device of 128 MiB buffers (lavapipe's), evaluation batches
    /// of 1024 rows would not fit one, so they shrink to the 910 rows that do, and the run fits.
    /// </summary>
    [Fact]
    public void Evaluation_batches_shrink_to_what_every_layer_allows_in_one_buffer()
    {
        using var backend = InertBackend.Create();
        backend.BufferBytesLimit = 128L << 20;

        using var run = new TrainingRun(backend, Spec(Cnn, "adadelta", 64), Images(2000), Images(2000));

        Assert.Equal(new BatchShape(64, (int)((128L << 20) / 4 / 36864)), run.Plan.Batches);
    }

    /// <summary>A conv net whose training batch just exceeds the device's memory is refused by the plan, naming the sizes, with nothing allocated.</summary>
    [Fact]
    public void A_conv_net_whose_batch_just_exceeds_memory_is_refused_before_any_allocation()
    {
        using var measure = InertBackend.Create();
        using (new TrainingRun(measure, Spec(PaddedPoolingNet, "sgd", 20), Images(100), Images(20)))
        {
        }
        using var backend = InertBackend.Create();
        backend.Capacity = new MemoryCapacity(measure.PeakBytes - 1, "test memory");

        var error = Assert.Throws<InvalidInputException>(() => new TrainingRun(backend, Spec(PaddedPoolingNet, "sgd", 20), Images(100), Images(20)));

        Assert.Contains($"model with batch 20 needs {MemoryCapacity.Format(measure.PeakBytes)} of memory; inert has", error.Message);
        Assert.Equal(0, backend.Allocations);
    }

    [Theory]
    [InlineData("784-32-10", "sgd", 64)]
    [InlineData("784-512-512-10", "adamw", 16)]
    [InlineData("784-4000-10", "sgd", 1)]
    public void A_run_beyond_the_device_memory_is_refused_with_nothing_allocated(string layers, string optimizer, int batchSize)
    {
        using var measure = InertBackend.Create();
        using (new TrainingRun(measure, Spec(layers, optimizer, batchSize), Images(200), Images(100)))
        {
        }
        using var backend = InertBackend.Create();
        backend.Capacity = new MemoryCapacity(measure.PeakBytes / 2, "test memory");

        var error = Assert.Throws<InvalidInputException>(() => new TrainingRun(backend, Spec(layers, optimizer, batchSize), Images(200), Images(100)));

        Assert.Contains($"training the {layers} model with batch {batchSize} needs", error.Message);
        Assert.Contains($"of memory; inert has {MemoryCapacity.Format(measure.PeakBytes / 2)} (test memory)", error.Message);
        Assert.Equal(0, backend.Allocations);
    }

    [Fact]
    public void Evaluation_batches_shrink_to_training_batches_where_only_those_fit()
    {
        using var measure = InertBackend.Create();
        var preferred = new TrainingRun(measure, Spec("784-256-10", "sgd", 16), Images(2000), Images(2000));
        Assert.Equal(1024, preferred.Plan.Batches.Evaluation);
        preferred.Dispose();
        using var backend = InertBackend.Create();
        backend.Capacity = new MemoryCapacity(measure.PeakBytes - 1, "test memory");

        using var run = new TrainingRun(backend, Spec("784-256-10", "sgd", 16), Images(2000), Images(2000));

        Assert.Equal(new BatchShape(16, 16), run.Plan.Batches);
        Assert.True(backend.PeakBytes < measure.PeakBytes);
    }

    /// <summary>
    /// A rank trains its share of each batch only: its plan sizes the per-row buffers for the largest share (evaluation
    /// batches take at least 1024 rows, as one process's do) rather than for the whole batch, and needs less memory.
    /// </summary>
    [Fact]
    public void A_rank_sizes_its_per_row_buffers_for_its_share_of_each_batch()
    {
        using var backend = InertBackend.Create();
        var data = Images(5000);
        var spec = Spec("784-256-10", "sgd", 4096);

        var alone = MemoryPlan.For(backend, spec, data, data);
        var rank = MemoryPlan.For(backend, spec, data, data, ranks: 3);

        Assert.Equal(new BatchShape(4096, 4096, 4096), alone.Batches);
        // 4096 rows over 3 ranks: shares of 1365 and 1366 rows.
        Assert.Equal(new BatchShape(4096, 1366, 1366), rank.Batches);
        Assert.Contains(new AllocationRequest(typeof(float), 4096 * 784), alone.Requests);
        Assert.Contains(new AllocationRequest(typeof(float), 1366 * 784), rank.Requests);
        // No per-row buffer (784, 256 or 10 features, or the row losses' 2) holds the whole batch.
        Assert.DoesNotContain(rank.Requests, request => request.ElementType == typeof(float) && new[] { 784, 256, 10, 2 }.Contains(request.Elements / 4096)
            && request.Elements % 4096 == 0);
        Assert.True(rank.PeakBytes < alone.PeakBytes, $"{rank.PeakBytes} bytes a rank, {alone.PeakBytes} alone");
    }

    /// <summary>The pixels, a byte each, fit one buffer; a batch of them as floats, four bytes each, does not.</summary>
    [Theory]
    [InlineData(64 * 1024, 80, 64, 20)]
    [InlineData(1024 * 1024, 1300, 1000, 334)]
    [InlineData(4 * 784 * 100, 400, 128, 100)]
    public void A_batch_beyond_one_buffer_is_refused_naming_the_largest_that_fits(long bufferBytes, int items, int batchSize, int largest)
    {
        using var backend = InertBackend.Create();
        backend.BufferBytesLimit = bufferBytes;
        var data = Images(items);

        var error = Assert.Throws<InvalidInputException>(() => new TrainingRun(backend, Spec("784-16-10", "sgd", batchSize), data, data));

        Assert.Contains($"a batch of {batchSize} rows does not fit inert's largest buffer", error.Message);
        Assert.Contains("a layer of the 784-16-10 model of 784 features a row", error.Message);
        Assert.EndsWith($"the largest batch that fits is {largest}", error.Message);
        Assert.Equal(0, backend.Allocations);
    }

    [Theory]
    [InlineData("784-3000000-10", "tensor 0.weight [3000000, 784] of the 784-3000000-10 model would take 2352000000 floats (8.8 GiB)")]
    [InlineData("784-64-2147483647-10", "tensor 2.weight [2147483647, 64] of the 784-64-2147483647-10 model would take 137438953408 floats")]
    [InlineData("784-46341-46341-10", "tensor 2.weight [46341, 46341] of the 784-46341-46341-10 model would take 2147488281 floats")]
    [InlineData("784-16000-16000-10", "the parameters of the 784-16000-16000-10 model would take 268736016 floats (1.0 GiB)")]
    public void A_buffer_beyond_the_backend_limit_is_refused_in_64_bit_arithmetic(string layers, string expected)
    {
        using var backend = InertBackend.Create();
        backend.BufferBytesLimit = 1L << 30;

        var error = Assert.Throws<InvalidInputException>(() => new TrainingRun(backend, Spec(layers, "sgd", 8), Images(10), Images(10)));

        Assert.StartsWith(expected, error.Message);
        Assert.EndsWith("more than one inert buffer holds (1.0 GiB)", error.Message);
        Assert.Equal(0, backend.Allocations);
    }

    [Theory]
    [InlineData(16384, 1L << 30, long.MaxValue, "three 16384 x 16384 matrices need 3.0 GiB; inert has 1.0 GiB (test memory)")]
    [InlineData(8192, long.MaxValue, 128L << 20, "a 8192 x 8192 matrix takes 256.0 MiB, more than one inert buffer holds (128.0 MiB)")]
    public void A_gemm_benchmark_beyond_the_device_is_refused_before_allocating(int size, long memory, long bufferBytes, string expected)
    {
        using var backend = InertBackend.Create();
        backend.Capacity = new MemoryCapacity(memory, "test memory");
        backend.BufferBytesLimit = bufferBytes;

        var error = Assert.Throws<InvalidInputException>(() => GemmBenchmark.Run(backend, size, TimeSpan.FromSeconds(1)));

        Assert.StartsWith(expected, error.Message);
        Assert.Equal(0, backend.Allocations);
    }

    [Fact]
    public void The_machine_memory_is_positive_and_at_most_what_the_runtime_may_use()
    {
        var host = MemoryCapacity.Host();

        Assert.InRange(host.Bytes, 1, GC.GetGCMemoryInfo().TotalAvailableMemoryBytes);
        Assert.Equal("the machine's available memory", host.Where);
    }

    private const string Cnn = "1x28x28-conv32k3-relu-conv64k3-relu-maxpool2-dropout0.25-flatten-128-relu-dropout0.5-10";

    private const string PaddedPoolingNet = "1x28x28-conv8k5s2p2-relu-maxpool3s2-conv16k3p1-relu-maxpool2-flatten-10";

    /// <summary>Convolutions without bias (no bias tensors, no bias buffers) ending in global average pooling.</summary>
    private const string PooledNet = "1x28x28-conv8k3s2p1nb-relu-conv16k3s2p1nb-relu-gap-flatten-10";
    /// <summary>Batch normalisation of images (BatchNorm2d) and of rows (BatchNorm1d), with its statistics' buffers and state.</summary>
    private const string NormalisedNet = "1x28x28-conv8k3s2p1-bn-relu-flatten-16-bn-relu-10";

    private const string ResidualNet = "1x28x28-conv8k3s2p1-relu-res(conv8k3p1-relu-conv8k3p1)-relu-res(conv16k3s2p1-relu-conv16k3p1+conv16k1s2)-relu-flatten-10";

    /// <summary>Every allocation <paramref name="backend"/> is asked for from now on, in order.</summary>
    private static List<AllocationRequest> Record(ComputeBackend backend)
    {
        var requests = new List<AllocationRequest>();
        backend.AllocationObserver = (type, count) => requests.Add(new AllocationRequest(type, count));
        return requests;
    }

    private static TrainingSpec Spec(string layers, string optimizer, int batchSize) =>
        new("test", [1, 28, 28], ModelSpec.Parse(layers, Activation.Relu, activationGiven: !layers.Contains("relu")), LossFunction.CrossEntropy.Name,
            new OptimizerSettings(CliNames.Parse<OptimizerKind>(optimizer, "optimizer"), 0.9f, 0f),
            new ScheduleSettings(ScheduleKind.Constant, 0.1f, 1, 1f, 1), batchSize, Seed: 1);

    private static ImageDataset Images(int items) => new(new byte[items * 784], new int[items], 28, 28, 10);
}
