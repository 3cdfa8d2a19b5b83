using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using Descent.Kernels;

namespace Descent.Benchmarks;

/// <summary>
/// Every op once, at a small shape and at the shape a 784-128-10 MLP step with batch 128 uses it
/// (GEMM 128x784x128; activations over 128x128; the loss over 128x10; the optimizer over the first
/// layer's 100480 parameters; a gather of 128 images). Each invocation queues the op and waits.
/// GB/s counts the bytes each op must read and write at least once.
/// </summary>
[ShortRunJob]
[Config(typeof(OpConfig))]
public class OpBenchmarks
{
    private const int Features = 784;

    private ComputeBackend backend = null!;
    private int rows;
    private int hidden;
    private int classes;
    private int parameterCount;
    private int gemmM;
    private int gemmK;
    private int gemmN;
    private DeviceBuffer<float> gemmA = null!;
    private DeviceBuffer<float> gemmB = null!;
    private DeviceBuffer<float> gemmC = null!;
    private DeviceBuffer<float> activations = null!;
    private DeviceBuffer<float> activationGrad = null!;
    private DeviceBuffer<float> bias = null!;
    private DeviceBuffer<float> logits = null!;
    private DeviceBuffer<float> logitGrad = null!;
    private DeviceBuffer<int> labels = null!;
    private DeviceBuffer<int> binaryTargets = null!;
    private DeviceBuffer<float> rowStats = null!;
    private DeviceBuffer<float> metrics = null!;
    private DeviceBuffer<float> parameters = null!;
    private DeviceBuffer<float> gradients = null!;
    private DeviceBuffer<float> moment1 = null!;
    private DeviceBuffer<float> moment2 = null!;
    private DeviceBuffer<byte> pixels = null!;
    private DeviceBuffer<int> datasetLabels = null!;
    private DeviceBuffer<int> order = null!;
    private DeviceBuffer<float> batchInputs = null!;
    private DeviceBuffer<float> scaleShift = null!;

    [ParamsSource(nameof(PresentBackends))]
    public string Backend { get; set; } = "";

    [Params("small", "mlp")]
    public string Size { get; set; } = "";

    public static IEnumerable<string> PresentBackends() => BenchmarkBackends.Present();

    [GlobalSetup]
    public void Setup()
    {
        var mlp = Size == "mlp";
        (rows, hidden, classes) = mlp ? (128, 128, 10) : (8, 16, 10);
        (gemmM, gemmK, gemmN) = mlp ? (128, 784, 128) : (16, 16, 16);
        parameterCount = mlp ? Features * 128 + 128 : 256;

        backend = Backends.Create(Backend);
        gemmA = BenchmarkBackends.RandomBuffer(backend, gemmM * gemmK, 1);
        gemmB = BenchmarkBackends.RandomBuffer(backend, gemmK * gemmN, 2);
        gemmC = backend.Allocate<float>(gemmM * gemmN);
        activations = BenchmarkBackends.RandomBuffer(backend, rows * hidden, 3);
        activationGrad = BenchmarkBackends.RandomBuffer(backend, rows * hidden, 4);
        bias = BenchmarkBackends.RandomBuffer(backend, hidden, 5);
        logits = BenchmarkBackends.RandomBuffer(backend, rows * classes, 6);
        logitGrad = backend.Allocate<float>(rows * classes);
        labels = UploadInts(Enumerable.Range(0, rows).Select(i => i % classes).ToArray());
        binaryTargets = UploadInts(Enumerable.Range(0, rows).Select(i => i % 2).ToArray());
        rowStats = backend.Allocate<float>(2 * rows);
        metrics = backend.Allocate<float>(MetricSlot.Width);
        parameters = BenchmarkBackends.RandomBuffer(backend, parameterCount, 7);
        gradients = BenchmarkBackends.RandomBuffer(backend, parameterCount, 8);
        moment1 = backend.Allocate<float>(parameterCount);
        moment2 = backend.Allocate<float>(parameterCount);
        const int datasetItems = 1024;
        pixels = backend.Allocate<byte>(datasetItems * Features);
        backend.Upload<byte>(pixels, Enumerable.Range(0, datasetItems * Features).Select(i => (byte)(i * 31)).ToArray());
        datasetLabels = UploadInts(Enumerable.Range(0, datasetItems).Select(i => i % 10).ToArray());
        order = UploadInts(Enumerable.Range(0, datasetItems).Select(i => (i * 577) % datasetItems).ToArray());
        batchInputs = backend.Allocate<float>(rows * Features);
        scaleShift = backend.Allocate<float>(2);
        backend.Upload<float>(scaleShift, [1f / 255, 0f]);
        backend.Synchronize();
    }

    [GlobalCleanup]
    public void Cleanup() => backend.Dispose();

    [Benchmark]
    public void GemmNaive() => Wait(() => backend.Gemm(false, false, gemmM, gemmN, gemmK, 1f, gemmA, gemmB, 0f, gemmC, GemmAlgorithm.Naive));

    [Benchmark]
    public void BiasAdd() => Wait(() => backend.BiasAdd(activations, bias, rows, hidden));

    [Benchmark]
    public void BiasBackward() => Wait(() => backend.BiasBackward(activationGrad, bias, rows, hidden, 0f));

    [Benchmark]
    public void ReluForward() => Wait(() => backend.ActivationForward(Activation.Relu, activations, activationGrad, rows * hidden));

    [Benchmark]
    public void ReluBackward() => Wait(() => backend.ActivationBackward(Activation.Relu, activationGrad, activations, activationGrad, rows * hidden));

    [Benchmark]
    public void SigmoidForward() => Wait(() => backend.ActivationForward(Activation.Sigmoid, activations, activationGrad, rows * hidden));

    [Benchmark]
    public void SigmoidBackward() => Wait(() => backend.ActivationBackward(Activation.Sigmoid, activationGrad, activations, activationGrad, rows * hidden));

    [Benchmark]
    public void TanhForward() => Wait(() => backend.ActivationForward(Activation.Tanh, activations, activationGrad, rows * hidden));

    [Benchmark]
    public void TanhBackward() => Wait(() => backend.ActivationBackward(Activation.Tanh, activationGrad, activations, activationGrad, rows * hidden));

    [Benchmark]
    public void Add() => Wait(() => backend.Add(activations, activationGrad, activationGrad, rows * hidden));

    [Benchmark]
    public void SoftmaxCrossEntropy() => Wait(() => backend.SoftmaxCrossEntropy(logits, labels, logitGrad, rowStats, metrics, 0, rows, classes));

    [Benchmark]
    public void MnistLoss() => Wait(() => backend.BinaryLossForwardBackward(BinaryLoss.Mnist, logits, binaryTargets, logitGrad, rowStats, metrics, 0, rows));

    [Benchmark]
    public void BceLoss() => Wait(() => backend.BinaryLossForwardBackward(BinaryLoss.BinaryCrossEntropy, logits, binaryTargets, logitGrad, rowStats, metrics, 0, rows));

    [Benchmark]
    public void MseLoss() => Wait(() => backend.BinaryLossForwardBackward(BinaryLoss.MeanSquaredError, logits, binaryTargets, logitGrad, rowStats, metrics, 0, rows));

    [Benchmark]
    public void SgdMomentum() => Wait(() => backend.SgdUpdate(parameters, gradients, moment1, parameterCount, 1e-6f, 0.9f, 1e-4f, false));

    [Benchmark]
    public void AdamW() => Wait(() => backend.AdamWUpdate(parameters, gradients, moment1, moment2, parameterCount,
        new AdamWStep(1e-6f, 0.9f, 0.999f, 1e-8f, 0.01f, BiasCorrection1: 0.1f, BiasCorrection2: 0.001f)));

    [Benchmark]
    public void GatherBatch() => Wait(() => backend.GatherBatch(pixels, datasetLabels, order, 0, rows, Features, scaleShift, 1, batchInputs, labels));

    private void Wait(Action queueOp)
    {
        queueOp();
        backend.Synchronize();
    }

    /// <summary>Bytes op <paramref name="method"/> reads plus writes at <paramref name="size"/>; null for the GEMM, which is compute-bound.</summary>
    public static double? BytesMoved(string method, string size)
    {
        var mlp = size == "mlp";
        double rows = mlp ? 128 : 8;
        double hidden = mlp ? 128 : 16;
        const double classes = 10;
        double parameterCount = mlp ? Features * 128 + 128 : 256;
        var activations = rows * hidden;
        var logits = rows * classes;
        const double floatBytes = sizeof(float);
        return method switch
        {
            nameof(BiasAdd) => (2 * activations + hidden) * floatBytes,
            nameof(BiasBackward) => (activations + hidden) * floatBytes,
            nameof(ReluForward) or nameof(SigmoidForward) or nameof(TanhForward) => 2 * activations * floatBytes,
            nameof(ReluBackward) or nameof(SigmoidBackward) or nameof(TanhBackward) => 3 * activations * floatBytes,
            nameof(Add) => 3 * activations * floatBytes,
            // logits and labels in; dLogits, the row statistics and the metric slot out
            nameof(SoftmaxCrossEntropy) => (2 * logits + 3 * rows + MetricSlot.Width) * floatBytes,
            nameof(MnistLoss) or nameof(BceLoss) or nameof(MseLoss) => (5 * rows + MetricSlot.Width) * floatBytes,
            // parameters, gradients and velocity in; parameters and velocity out
            nameof(SgdMomentum) => 5 * parameterCount * floatBytes,
            // parameters, gradients and both moments in; parameters and both moments out
            nameof(AdamW) => 7 * parameterCount * floatBytes,
            // the order, the pixels as bytes and the labels in; the inputs as floats and the labels out
            nameof(GatherBatch) => rows * (3 * sizeof(int) + Features * (1 + floatBytes)),
            _ => null,
        };
    }

    private DeviceBuffer<int> UploadInts(int[] values)
    {
        var buffer = backend.Allocate<int>(values.Length);
        backend.Upload<int>(buffer, values);
        return buffer;
    }

    private sealed class OpConfig : ManualConfig
    {
        public OpConfig() => AddColumn(ThroughputColumn.Gigabytes(benchmarkCase =>
            BytesMoved(benchmarkCase.Descriptor.WorkloadMethod.Name, (string)benchmarkCase.Parameters["Size"])));
    }
}
