using ILGPU;
using ILGPU.Runtime;
using ActivationBackwardLauncher = System.Action<ILGPU.Index1D, ILGPU.ArrayView<float>, ILGPU.ArrayView<float>,
    ILGPU.ArrayView<float>, int, int>;
using ActivationForwardLauncher = System.Action<ILGPU.Index1D, ILGPU.ArrayView<float>, ILGPU.ArrayView<float>, int, int>;
using BinaryLossLauncher = System.Action<ILGPU.Index1D, ILGPU.ArrayView<float>, ILGPU.ArrayView<int>, ILGPU.ArrayView<float>,
    ILGPU.ArrayView<float>, int, int>;

namespace Descent.Kernels.Ilgpu;

/// <summary>
/// The kernels of one backend, each compiled and loaded on first use and then kept: a launch is a
/// field read and a delegate call. Every launcher queues on the accelerator's default stream.
/// Implicitly grouped kernels take the number of threads to launch first; the tiled GEMM takes a
/// <see cref="KernelConfig"/>.
/// </summary>
internal sealed class LoadedKernels(Accelerator accelerator)
{
    private Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, GemmLayout, float, float, int>? gemmNaive;
    private Action<KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, GemmLayout, float, float>? gemmSharedMemoryTiles;
    private Action<Index1D, ArrayView<float>, ArrayView<float>, int, int, int>? biasForward;
    private Action<Index1D, ArrayView<float>, ArrayView<float>, int, int, float, int>? biasBackward;
    private ActivationForwardLauncher? reluForward;
    private ActivationBackwardLauncher? reluBackward;
    private ActivationForwardLauncher? sigmoidForward;
    private ActivationBackwardLauncher? sigmoidBackward;
    private ActivationForwardLauncher? tanhForward;
    private ActivationBackwardLauncher? tanhBackward;
    private Action<Index1D, ArrayView<float>, ArrayView<float>, int, int, int>? softmaxForward;
    private Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int>? softmaxBackward;
    private Action<Index1D, ArrayView<float>, ArrayView<int>, ArrayView<float>, ArrayView<float>, int, int, int>? softmaxCrossEntropy;
    private BinaryLossLauncher? mnistLoss;
    private BinaryLossLauncher? binaryCrossEntropy;
    private BinaryLossLauncher? meanSquaredError;
    private Action<Index1D, ArrayView<float>, ArrayView<float>, int, int>? reduceMetrics;
    private Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, float, float, float, int>? sgd;
    private Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, AdamWStep, int>? adamW;
    private Action<Index1D, ArrayView<float>, float, int, int, int>? fill;
    private Action<Index1D, ArrayView<byte>, ArrayView<int>, ArrayView<int>, ArrayView<float>, ArrayView<int>, int, int, int,
        int, float, float, int>? gatherBatch;

    public Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, GemmLayout, float, float, int> GemmNaive =>
        gemmNaive ??= accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>,
            GemmLayout, float, float, int>(GemmKernels.Naive);

    public Action<KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, GemmLayout, float, float> GemmSharedMemoryTiles =>
        gemmSharedMemoryTiles ??= accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, GemmLayout, float,
            float>(GemmKernels.SharedMemoryTiles);

    public Action<Index1D, ArrayView<float>, ArrayView<float>, int, int, int> BiasForward =>
        biasForward ??= accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, int, int, int>(
            BiasKernels.Forward);

    public Action<Index1D, ArrayView<float>, ArrayView<float>, int, int, float, int> BiasBackward =>
        biasBackward ??= accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, int, int, float,
            int>(BiasKernels.Backward);

    public ActivationForwardLauncher ReluForward => reluForward ??= LoadActivationForward(ActivationKernels.ReluForward);

    public ActivationBackwardLauncher ReluBackward => reluBackward ??= LoadActivationBackward(ActivationKernels.ReluBackward);

    public ActivationForwardLauncher SigmoidForward => sigmoidForward ??= LoadActivationForward(ActivationKernels.SigmoidForward);

    public ActivationBackwardLauncher SigmoidBackward =>
        sigmoidBackward ??= LoadActivationBackward(ActivationKernels.SigmoidBackward);

    public ActivationForwardLauncher TanhForward => tanhForward ??= LoadActivationForward(ActivationKernels.TanhForward);

    public ActivationBackwardLauncher TanhBackward => tanhBackward ??= LoadActivationBackward(ActivationKernels.TanhBackward);

    public Action<Index1D, ArrayView<float>, ArrayView<float>, int, int, int> SoftmaxForward =>
        softmaxForward ??= accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, int, int, int>(
            SoftmaxKernels.Forward);

    public Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int> SoftmaxBackward =>
        softmaxBackward ??= accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>,
            int, int, int>(SoftmaxKernels.Backward);

    public Action<Index1D, ArrayView<float>, ArrayView<int>, ArrayView<float>, ArrayView<float>, int, int, int> SoftmaxCrossEntropy =>
        softmaxCrossEntropy ??= accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<int>, ArrayView<float>,
            ArrayView<float>, int, int, int>(LossKernels.SoftmaxCrossEntropy);

    public BinaryLossLauncher MnistLoss => mnistLoss ??= LoadBinaryLoss(LossKernels.Mnist);

    public BinaryLossLauncher BinaryCrossEntropy => binaryCrossEntropy ??= LoadBinaryLoss(LossKernels.BinaryCrossEntropy);

    public BinaryLossLauncher MeanSquaredError => meanSquaredError ??= LoadBinaryLoss(LossKernels.MeanSquaredError);

    public Action<Index1D, ArrayView<float>, ArrayView<float>, int, int> ReduceMetrics =>
        reduceMetrics ??= accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, int, int>(
            LossKernels.ReduceMetrics);

    public Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, float, float, float, int> Sgd =>
        sgd ??= accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, float,
            float, float, int>(OptimizerKernels.Sgd);

    public Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, AdamWStep, int> AdamW =>
        adamW ??= accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>,
            ArrayView<float>, int, AdamWStep, int>(OptimizerKernels.AdamW);

    public Action<Index1D, ArrayView<float>, float, int, int, int> Fill =>
        fill ??= accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, float, int, int, int>(DataKernels.Fill);

    public Action<Index1D, ArrayView<byte>, ArrayView<int>, ArrayView<int>, ArrayView<float>, ArrayView<int>, int, int, int, int,
        float, float, int> GatherBatch =>
        gatherBatch ??= accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<byte>, ArrayView<int>, ArrayView<int>,
            ArrayView<float>, ArrayView<int>, int, int, int, int, float, float, int>(DataKernels.GatherBatch);

    private ActivationForwardLauncher LoadActivationForward(ActivationForwardLauncher kernel) =>
        accelerator.LoadAutoGroupedStreamKernel(kernel);

    private ActivationBackwardLauncher LoadActivationBackward(ActivationBackwardLauncher kernel) =>
        accelerator.LoadAutoGroupedStreamKernel(kernel);

    private BinaryLossLauncher LoadBinaryLoss(BinaryLossLauncher kernel) => accelerator.LoadAutoGroupedStreamKernel(kernel);
}
