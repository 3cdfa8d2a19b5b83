using ILGPU;

namespace Descent.Kernels.Ilgpu;

// The ops: each picks its kernel and launch shape and queues it. Arguments were validated by
// ComputeBackend, so every launch stays inside its buffers.
public sealed partial class IlgpuBackend
{
    protected override void FillCore(DeviceBuffer<float> buffer, float value, int offset, int count)
    {
        var threads = Threads(count);
        kernels.Fill(threads, View(buffer), value, offset, count, threads);
    }

    protected override void GemmCore(bool transposeA, bool transposeB, int m, int n, int k, float alpha,
        DeviceBuffer<float> a, DeviceBuffer<float> b, float beta, DeviceBuffer<float> c, GemmAlgorithm algorithm)
    {
        var layout = new GemmLayout(transposeA, transposeB, m, n, k);
        if ((algorithm == GemmAlgorithm.Auto ? autoGemm : algorithm) == GemmAlgorithm.SharedMemoryTiles)
        {
            var tile = gemmTile;
            var config = new KernelConfig(
                new Index2D((m + tile - 1) / tile, (n + tile - 1) / tile),
                new Index2D(tile, tile),
                SharedMemoryConfig.RequestDynamic<float>(2 * tile * (tile + 1)));
            kernels.GemmSharedMemoryTiles(config, View(a), View(b), View(c), layout, alpha, beta);
        }
        else
        {
            var threads = Threads((long)m * n);
            kernels.GemmNaive(threads, View(a), View(b), View(c), layout, alpha, beta, threads);
        }
    }

    protected override void BiasAddCore(DeviceBuffer<float> y, DeviceBuffer<float> bias, int rows, int cols)
    {
        var count = rows * cols;
        var threads = Threads(count);
        kernels.BiasForward(threads, View(y), View(bias), count, cols, threads);
    }

    protected override void BiasBackwardCore(DeviceBuffer<float> dY, DeviceBuffer<float> dBias, int rows, int cols, float beta)
    {
        var threads = Threads(cols);
        kernels.BiasBackward(threads, View(dY), View(dBias), rows, cols, beta, threads);
    }

    protected override void ActivationForwardCore(Activation activation, DeviceBuffer<float> x, DeviceBuffer<float> y, int count)
    {
        var launch = activation switch
        {
            Activation.Relu => kernels.ReluForward,
            Activation.Sigmoid => kernels.SigmoidForward,
            Activation.Tanh => kernels.TanhForward,
            _ => throw new InvalidInputException($"unknown activation {activation}"),
        };
        var threads = Threads(count);
        launch(threads, View(x), View(y), count, threads);
    }

    protected override void ActivationBackwardCore(Activation activation, DeviceBuffer<float> dY, DeviceBuffer<float> y,
        DeviceBuffer<float> dX, int count)
    {
        var launch = activation switch
        {
            Activation.Relu => kernels.ReluBackward,
            Activation.Sigmoid => kernels.SigmoidBackward,
            Activation.Tanh => kernels.TanhBackward,
            _ => throw new InvalidInputException($"unknown activation {activation}"),
        };
        var threads = Threads(count);
        launch(threads, View(dY), View(y), View(dX), count, threads);
    }

    protected override void SoftmaxForwardCore(DeviceBuffer<float> x, DeviceBuffer<float> y, int rows, int cols)
    {
        var threads = Threads(rows);
        kernels.SoftmaxForward(threads, View(x), View(y), rows, cols, threads);
    }

    protected override void SoftmaxBackwardCore(DeviceBuffer<float> dY, DeviceBuffer<float> y, DeviceBuffer<float> dX, int rows,
        int cols)
    {
        var threads = Threads(rows);
        kernels.SoftmaxBackward(threads, View(dY), View(y), View(dX), rows, cols, threads);
    }

    protected override void SoftmaxCrossEntropyCore(DeviceBuffer<float> logits, DeviceBuffer<int> labels,
        DeviceBuffer<float> dLogits, DeviceBuffer<float> rowStats, DeviceBuffer<float> metrics, int slot, int rows, int cols)
    {
        var threads = Threads(rows);
        kernels.SoftmaxCrossEntropy(threads, View(logits), View(labels), View(dLogits), View(rowStats), rows, cols, threads);
        kernels.ReduceMetrics(1, View(rowStats), View(metrics), slot, rows);
    }

    protected override void BinaryLossCore(BinaryLoss loss, DeviceBuffer<float> logits, DeviceBuffer<int> targets,
        DeviceBuffer<float> dLogits, DeviceBuffer<float> rowStats, DeviceBuffer<float> metrics, int slot, int rows)
    {
        var launch = loss switch
        {
            BinaryLoss.Mnist => kernels.MnistLoss,
            BinaryLoss.BinaryCrossEntropy => kernels.BinaryCrossEntropy,
            BinaryLoss.MeanSquaredError => kernels.MeanSquaredError,
            _ => throw new InvalidInputException($"unknown binary loss {loss}"),
        };
        var threads = Threads(rows);
        launch(threads, View(logits), View(targets), View(dLogits), View(rowStats), rows, threads);
        kernels.ReduceMetrics(1, View(rowStats), View(metrics), slot, rows);
    }

    protected override void SgdUpdateCore(DeviceBuffer<float> parameters, DeviceBuffer<float> gradients,
        DeviceBuffer<float> velocity, int count, float learningRate, float momentum, float weightDecay)
    {
        var threads = Threads(count);
        kernels.Sgd(threads, View(parameters), View(gradients), View(velocity), count, learningRate, momentum, weightDecay,
            threads);
    }

    protected override void AdamWUpdateCore(DeviceBuffer<float> parameters, DeviceBuffer<float> gradients,
        DeviceBuffer<float> firstMoment, DeviceBuffer<float> secondMoment, int count, AdamWStep step)
    {
        var threads = Threads(count);
        kernels.AdamW(threads, View(parameters), View(gradients), View(firstMoment), View(secondMoment), count, step, threads);
    }

    protected override void GatherBatchCore(DeviceBuffer<byte> pixels, DeviceBuffer<int> labels, DeviceBuffer<int> order,
        int start, int count, int features, float scale, float shift, DeviceBuffer<float> inputs, DeviceBuffer<int> batchLabels)
    {
        var threads = Threads((long)count * features);
        kernels.GatherBatch(threads, View(pixels), View(labels), View(order), View(inputs), View(batchLabels), start, count,
            features, pixels.Length / features, scale, shift, threads);
    }
}
