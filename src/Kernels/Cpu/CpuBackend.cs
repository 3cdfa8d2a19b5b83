using System.Runtime.Intrinsics;
using Descent.Kernels.Cpu.Gemm;

namespace Descent.Kernels.Cpu;

/// <summary>
/// The fast CPU backend ("cpu"): hand-written SIMD kernels (AVX-512 where the processor has it, else
/// AVX2) on persistent worker threads, over buffers on the pinned object heap.
/// <para>
/// Execution model: every op runs to completion inside its call, on the calling thread and the
/// workers, in call order, so there is nothing to synchronise and a download sees every earlier op.
/// Like every backend, one backend is driven by one thread at a time.
/// </para>
/// <para>
/// Determinism: every op splits its work by fixed index ranges and sums in a fixed order (no
/// atomics, no work stealing), so results are bit-reproducible run to run.
/// </para>
/// <para>
/// The kernels' loops are marked AggressiveOptimization: compiled fully optimised on their first call
/// instead of starting unoptimised and waiting for tiered compilation (whose unoptimised vector code
/// runs many times slower), so a first epoch or a short benchmark runs the real kernels.
/// </para>
/// </summary>
public sealed unsafe class CpuBackend : ComputeBackend
{
    // Element-wise ops over fewer items than these run on the calling thread: under about 10 us of
    // work, a dispatch to the workers costs more than the second core gives back.
    private const int SerialElementsBelow = 1 << 16;
    private const int SerialRowsBelow = 64;

    private readonly WorkerPool pool;
    private readonly ICacheBlockedGemm gemm;
    private readonly RangeJob<FillKernel> fill;
    private readonly RangeJob<BiasAddKernel> biasAdd;
    private readonly RangeJob<BiasBackwardKernel> biasBackward;
    private readonly RangeJob<ActivationForwardKernel> activationForward;
    private readonly RangeJob<ActivationBackwardKernel> activationBackward;
    private readonly RangeJob<SoftmaxForwardKernel> softmaxForward;
    private readonly RangeJob<SoftmaxBackwardKernel> softmaxBackward;
    private readonly RangeJob<SgdKernel> sgd;
    private readonly RangeJob<AdamWKernel> adamW;
    private readonly RangeJob<GatherKernel> gather;

    /// <param name="threads">Threads that run each op, the caller included; by default one per logical processor.</param>
    /// <param name="allowAvx512">
    /// Use the AVX-512 GEMM micro-kernel where the processor has it; false forces the AVX2 one, so that
    /// its kernel is tested and compared on AVX-512 machines too.
    /// </param>
    public CpuBackend(int? threads = null, bool allowAvx512 = true)
    {
        if (threads is <= 0)
        {
            throw new InvalidInputException($"the cpu backend needs at least one thread, got {threads}");
        }
        pool = new WorkerPool(threads ?? Environment.ProcessorCount);
        gemm = allowAvx512 && Vector512.IsHardwareAccelerated
            ? new CacheBlockedGemm<MicroKernel8x32>(pool)
            : new CacheBlockedGemm<MicroKernel6x16>(pool);
        fill = new(pool);
        biasAdd = new(pool);
        biasBackward = new(pool);
        activationForward = new(pool);
        activationBackward = new(pool);
        softmaxForward = new(pool);
        softmaxBackward = new(pool);
        sgd = new(pool);
        adamW = new(pool);
        gather = new(pool);
        DeviceDescription = $"{ProcessorName()}, {pool.Threads} threads, {gemm.Description}";
    }

    public override string Name => Backends.CpuName;

    public override string DeviceDescription { get; }

    public override IReadOnlyList<GemmAlgorithm> GemmAlgorithms { get; } = [GemmAlgorithm.Naive, GemmAlgorithm.CacheBlocked];

    /// <summary>The processor's name as the operating system reports it (Linux), else its architecture.</summary>
    public static string ProcessorName()
    {
        const string cpuInfo = "/proc/cpuinfo";
        if (File.Exists(cpuInfo))
        {
            foreach (var line in File.ReadLines(cpuInfo))
            {
                if (line.StartsWith("model name", StringComparison.Ordinal) && line.IndexOf(':') is var colon and >= 0)
                {
                    return line[(colon + 1)..].Trim();
                }
            }
        }
        return System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture.ToString();
    }

    // ---------------------------------------------------------------- memory

    protected override DeviceBuffer<T> AllocateCore<T>(int length) => new CpuBuffer<T>(this, length);

    protected override void UploadCore<T>(DeviceBuffer<T> destination, ReadOnlySpan<T> source, int offset) =>
        source.CopyTo(Host(destination).Span[offset..]);

    protected override void DownloadCore<T>(DeviceBuffer<T> source, Span<T> destination, int offset) =>
        Host(source).Span.Slice(offset, destination.Length).CopyTo(destination);

    // Every op has finished when its call returns.
    protected override void SynchronizeCore()
    {
    }

    protected override void FillCore(DeviceBuffer<float> buffer, float value, int offset, int count) =>
        fill.Run(new FillKernel(Pointer(buffer) + offset, value), count, Vector512<float>.Count, SerialElementsBelow);

    // ---------------------------------------------------------------- GEMM and the fused linear forward

    protected override void GemmCore(bool transposeA, bool transposeB, int m, int n, int k, float alpha,
        DeviceBuffer<float> a, DeviceBuffer<float> b, float beta, DeviceBuffer<float> c, GemmAlgorithm algorithm)
    {
        var problem = new GemmProblem(transposeA, transposeB, m, n, k, Pointer(a), Pointer(b),
            new GemmOutput(Pointer(c), alpha, beta, null, null));
        if (algorithm == GemmAlgorithm.Naive)
        {
            NaiveGemm.Multiply(problem);
        }
        else
        {
            gemm.Multiply(problem);
        }
    }

    // One pass: the bias and the activation are applied to each register tile as it is stored.
    protected override void LinearForwardCore(DeviceBuffer<float> x, DeviceBuffer<float> weight, DeviceBuffer<float> bias,
        DeviceBuffer<float> y, int rows, int inputs, int outputs, Activation? activation) =>
        gemm.Multiply(new GemmProblem(false, true, rows, outputs, inputs, Pointer(x), Pointer(weight),
            new GemmOutput(Pointer(y), 1f, 0f, Pointer(bias), activation)));

    // ---------------------------------------------------------------- bias

    protected override void BiasAddCore(DeviceBuffer<float> y, DeviceBuffer<float> bias, int rows, int cols) =>
        biasAdd.Run(new BiasAddKernel(Pointer(y), Pointer(bias), cols), rows, 1, Math.Max(1, SerialElementsBelow / cols));

    protected override void BiasBackwardCore(DeviceBuffer<float> dY, DeviceBuffer<float> dBias, int rows, int cols, float beta) =>
        biasBackward.Run(new BiasBackwardKernel(Pointer(dY), Pointer(dBias), rows, cols, beta), cols, Vector256<float>.Count,
            Math.Max(1, SerialElementsBelow / rows));

    // ---------------------------------------------------------------- activations

    protected override void ActivationForwardCore(Activation activation, DeviceBuffer<float> x, DeviceBuffer<float> y, int count) =>
        activationForward.Run(new ActivationForwardKernel(activation, Pointer(x), Pointer(y)), count, Vector512<float>.Count,
            SerialElementsBelow);

    protected override void ActivationBackwardCore(Activation activation, DeviceBuffer<float> dY, DeviceBuffer<float> y,
        DeviceBuffer<float> dX, int count) =>
        activationBackward.Run(new ActivationBackwardKernel(activation, Pointer(dY), Pointer(y), Pointer(dX)), count,
            Vector512<float>.Count, SerialElementsBelow);

    // ---------------------------------------------------------------- softmax

    protected override void SoftmaxForwardCore(DeviceBuffer<float> x, DeviceBuffer<float> y, int rows, int cols) =>
        softmaxForward.Run(new SoftmaxForwardKernel(Pointer(x), Pointer(y), cols), rows, 1, Math.Max(SerialRowsBelow, SerialElementsBelow / cols));

    protected override void SoftmaxBackwardCore(DeviceBuffer<float> dY, DeviceBuffer<float> y, DeviceBuffer<float> dX, int rows, int cols) =>
        softmaxBackward.Run(new SoftmaxBackwardKernel(Pointer(dY), Pointer(y), Pointer(dX), cols), rows, 1,
            Math.Max(SerialRowsBelow, SerialElementsBelow / cols));

    // ---------------------------------------------------------------- losses

    protected override void SoftmaxCrossEntropyCore(DeviceBuffer<float> logits, DeviceBuffer<int> labels, DeviceBuffer<float> dLogits,
        DeviceBuffer<float> rowStats, DeviceBuffer<float> metrics, int slot, int rows, int cols) =>
        LossKernels.SoftmaxCrossEntropy(Pointer(logits), Pointer(labels), Pointer(dLogits), Pointer(rowStats), Pointer(metrics),
            slot, rows, cols);

    protected override void BinaryLossCore(BinaryLoss loss, DeviceBuffer<float> logits, DeviceBuffer<int> targets,
        DeviceBuffer<float> dLogits, DeviceBuffer<float> rowStats, DeviceBuffer<float> metrics, int slot, int rows) =>
        LossKernels.Binary(loss, Pointer(logits), Pointer(targets), Pointer(dLogits), Pointer(rowStats), Pointer(metrics), slot, rows);

    // ---------------------------------------------------------------- optimizers

    protected override void SgdUpdateCore(DeviceBuffer<float> parameters, DeviceBuffer<float> gradients, DeviceBuffer<float> velocity,
        int count, float learningRate, float momentum, float weightDecay) =>
        sgd.Run(new SgdKernel(Pointer(parameters), Pointer(gradients), Pointer(velocity), learningRate, momentum, weightDecay), count,
            Vector512<float>.Count, SerialElementsBelow);

    protected override void AdamWUpdateCore(DeviceBuffer<float> parameters, DeviceBuffer<float> gradients,
        DeviceBuffer<float> firstMoment, DeviceBuffer<float> secondMoment, int count, AdamWStep step) =>
        adamW.Run(new AdamWKernel(Pointer(parameters), Pointer(gradients), Pointer(firstMoment), Pointer(secondMoment), step), count, Vector512<float>.Count, SerialElementsBelow);

    // ---------------------------------------------------------------- data

    protected override void GatherBatchCore(DeviceBuffer<byte> pixels, DeviceBuffer<int> labels, DeviceBuffer<int> order, int start,
        int count, int features, float scale, float shift, DeviceBuffer<float> inputs, DeviceBuffer<int> batchLabels) =>
        gather.Run(new GatherKernel(Pointer(pixels), Pointer(labels), Pointer(order), start, features, pixels.Length / features, scale,
            shift, Pointer(inputs), Pointer(batchLabels)), count, 1, Math.Max(1, SerialElementsBelow / features));

    // ---------------------------------------------------------------- lifetime

    // Buffers are pinned managed arrays that the collector reclaims; the workers and GEMM scratch are ours.
    protected override void DisposeCore()
    {
        pool.Dispose();
        gemm.Dispose();
    }

    private static CpuBuffer<T> Host<T>(DeviceBuffer<T> buffer) where T : unmanaged => (CpuBuffer<T>)buffer;

    private static T* Pointer<T>(DeviceBuffer<T> buffer) where T : unmanaged => ((CpuBuffer<T>)buffer).Pointer;
}
