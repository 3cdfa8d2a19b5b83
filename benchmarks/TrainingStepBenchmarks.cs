using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Engines;
using Descent.Engine.Data;
using Descent.Engine.Layers;
using Descent.Engine.Losses;
using Descent.Engine.Models;
using Descent.Engine.Optimizers;
using Descent.Engine.Training;
using Descent.Kernels;

namespace Descent.Benchmarks;

/// <summary>
/// One whole training step of the 784-128-10 MLP at batch 128 with plain SGD, as `descent train` runs
/// it: gather and scale the batch, the fused linear forwards, the fused softmax cross-entropy, the
/// backward GEMMs, the SGD updates, and the metric slot read back. The training set is exactly one
/// batch of seeded random pixels, so one epoch is one step and no dataset is needed.
/// GFLOP/s counts the step's GEMM work (52 MFLOP).
/// </summary>
[Config(typeof(StepConfig))]
public abstract class TrainingStepBenchmarkBase
{
    private const int Batch = 128;
    private static readonly int[] Widths = [784, 128, 10];

    private ComputeBackend backend = null!;
    private TrainingRun run = null!;

    [ParamsSource(nameof(BackendNames))]
    public string Backend { get; set; } = "";

    public abstract IEnumerable<string> BackendNames();

    /// <summary>Forward 2 B in out per layer, and the backward's weight and input gradients (none for the first layer's input).</summary>
    public static double StepFlops()
    {
        var flops = 0.0;
        for (var layer = 0; layer + 1 < Widths.Length; layer++)
        {
            var product = 2.0 * Batch * Widths[layer] * Widths[layer + 1];
            flops += layer == 0 ? 2 * product : 3 * product;
        }
        return flops;
    }

    [GlobalSetup]
    public void Setup()
    {
        backend = Backends.Create(Backend);
        var random = new Random(2);
        var pixels = new byte[Batch * Widths[0]];
        random.NextBytes(pixels);
        var labels = Enumerable.Range(0, Batch).Select(_ => random.Next(Widths[^1])).ToArray();
        var data = new ImageDataset(pixels, labels, 28, 28, Widths[^1]);
        var spec = new TrainingSpec("random", [1, 28, 28], new ModelSpec(Widths, Activation.Relu, LinearInit.PyTorchDefault),
            LossFunction.CrossEntropy.Name, new OptimizerSettings(OptimizerKind.Sgd, 0f, 0f),
            new ScheduleSettings(ScheduleKind.Constant, 0.01f, 1, 1f, 1), Batch, Seed: 3);
        run = new TrainingRun(backend, spec, data, data);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        run.Dispose();
        backend.Dispose();
    }

    [Benchmark]
    public double Step() => run.Learner.TrainEpoch().MeanLoss;

    private sealed class StepConfig : ManualConfig
    {
        public StepConfig() => AddColumn(ThroughputColumn.Gflops(_ => StepFlops()));
    }
}

/// <summary>A training step on the fast backends (`cpu`, CUDA).</summary>
[SimpleJob(launchCount: 1, warmupCount: 3, iterationCount: 10)]
public class TrainingStepBenchmarks : TrainingStepBenchmarkBase
{
    public override IEnumerable<string> BackendNames() => BenchmarkBackends.Fast();
}

/// <summary>A training step on ILGPU's CPU accelerator (about a tenth of a second), in a short job of single invocations.</summary>
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 1, iterationCount: 5)]
public class TrainingStepOnSlowBackendBenchmarks : TrainingStepBenchmarkBase
{
    public override IEnumerable<string> BackendNames() => BenchmarkBackends.Slow();
}
