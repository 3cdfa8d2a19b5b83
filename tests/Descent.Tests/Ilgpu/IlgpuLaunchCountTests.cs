using Descent.Kernels;
using Descent.Kernels.Ilgpu;
using Xunit;

namespace Descent.Tests.Ilgpu;

/// <summary>
/// Launches per op, read from the backend's launch counter: on a GPU each launch costs microseconds whatever
/// its work, and a training step's ops are small, so a 784-128-10 step is held to 11 launches on a device whose GEMMs
/// do not split. Every op a step runs is one launch: the linear forward with its bias and activation, a loss with its
/// metric slot, each GEMM of the backward, the bias and activation backwards, the optimizer, the batch gather. A
/// convolution is its GEMM and the layout changes around it (three or four launches); pooling, dropout and Adadelta are
/// one launch each. On a GPU a GEMM whose tiles would leave multiprocessors idle splits K and adds one launch, the sum
/// of its chunks: GemmGeometryTests holds an H100's 784-128-10 step to 15. (The whole step is counted with the engine.)
/// </summary>
public sealed class IlgpuLaunchCountTests : IDisposable
{
    private const int Rows = 37;
    private const int Inputs = 11;
    private const int Outputs = 5;

    private readonly IlgpuBackend backend = IlgpuBackend.CreateCpu();

    public void Dispose() => backend.Dispose();

    /// <summary>A batch for the losses with more rows than their group has threads, and not a multiple of it.</summary>
    private int LossRows => 2 * backend.Shape.LossGroup + 3;

    public static TheoryData<Activation?> LinearActivations()
    {
        var activations = new TheoryData<Activation?> { (Activation?)null };
        foreach (var activation in Enum.GetValues<Activation>())
        {
            activations.Add(activation);
        }
        return activations;
    }

    [Theory]
    [MemberData(nameof(LinearActivations))]
    public void LinearForwardIsOneLaunchWithItsBiasAndActivation(Activation? activation)
    {
        using var x = backend.Allocate<float>(Rows * Inputs);
        using var weight = backend.Allocate<float>(Outputs * Inputs);
        using var bias = backend.Allocate<float>(Outputs);
        using var y = backend.Allocate<float>(Rows * Outputs);

        Assert.Equal(1, LaunchesOf(() => backend.LinearForward(x, weight, bias, y, Rows, Inputs, Outputs, activation)));
    }

    /// <summary>
    /// One launch with every algorithm, except that the register-blocks GEMM splits K when its tiles are fewer than the
    /// device's multiprocessors and adds the chunks in a second launch: as many launches as its plan says, and two for
    /// the 11 x 5 product with K = 37, one 32 x 32 tile, on the CPU accelerator's two or more "multiprocessors".
    /// </summary>
    [Fact]
    public void GemmIsOneLaunchWithEveryAlgorithmOrTwoWhenItSplitsK()
    {
        using var a = backend.Allocate<float>(Rows * Inputs);
        using var b = backend.Allocate<float>(Inputs * Outputs);
        using var c = backend.Allocate<float>(Rows * Outputs);

        foreach (var algorithm in backend.GemmAlgorithms.Append(GemmAlgorithm.Auto))
        {
            var registerBlocks = algorithm == GemmAlgorithm.SharedMemoryRegisterBlocks;
            Assert.Equal(registerBlocks ? RegisterBlockGemmPlan.For(Rows, Outputs, Inputs, backend.Shape.Gemm).Launches : 1,
                LaunchesOf(() => backend.Gemm(false, false, Rows, Outputs, Inputs, 1f, a, b, 0f, c, algorithm)));
            Assert.Equal(registerBlocks ? 2 : 1, LaunchesOf(() => backend.Gemm(true, false, Inputs, Outputs, Rows, 1f, a, c, 1f, b, algorithm)));
        }
    }

    /// <summary>
    /// One launch writes the rows and the metric slot; the slot holds the row losses and flags summed in row
    /// order, bit for bit, with more rows than the loss's group has threads, so each thread takes several.
    /// </summary>
    [Fact]
    public void SoftmaxCrossEntropyIsOneLaunchThatFillsItsMetricSlot()
    {
        const int classes = 10;
        const int slot = 1;
        var rows = LossRows;
        using var logits = Upload(Enumerable.Range(0, rows * classes).Select(i => MathF.Sin(i * 0.37f) * 3f).ToArray());
        using var labels = backend.Allocate<int>(rows);
        backend.Upload<int>(labels, Enumerable.Range(0, rows).Select(row => row * 7 % classes).ToArray());
        using var dLogits = backend.Allocate<float>(rows * classes);
        using var rowStats = backend.Allocate<float>(2 * rows);
        using var metrics = backend.Allocate<float>(3 * MetricSlot.Width);

        Assert.Equal(1, LaunchesOf(() => backend.SoftmaxCrossEntropy(logits, labels, dLogits, rowStats, metrics, slot, rows, classes)));
        AssertSlotSumsRowsInOrder(rowStats, metrics, slot, rows);
    }

    public static TheoryData<BinaryLoss> BinaryLosses() => new(Enum.GetValues<BinaryLoss>());

    [Theory]
    [MemberData(nameof(BinaryLosses))]
    public void BinaryLossIsOneLaunchThatFillsItsMetricSlot(BinaryLoss loss)
    {
        const int slot = 2;
        var rows = LossRows;
        using var logits = Upload(Enumerable.Range(0, rows).Select(i => MathF.Cos(i * 0.61f) * 4f).ToArray());
        using var targets = backend.Allocate<int>(rows);
        backend.Upload<int>(targets, Enumerable.Range(0, rows).Select(row => row % 3 == 0 ? 1 : 0).ToArray());
        using var dLogits = backend.Allocate<float>(rows);
        using var rowStats = backend.Allocate<float>(2 * rows);
        using var metrics = backend.Allocate<float>(3 * MetricSlot.Width);

        Assert.Equal(1, LaunchesOf(() => backend.BinaryLossForwardBackward(loss, logits, targets, dLogits, rowStats, metrics, slot, rows)));
        AssertSlotSumsRowsInOrder(rowStats, metrics, slot, rows);
    }

    [Fact]
    public void BiasBackwardIsOneLaunch()
    {
        using var dY = backend.Allocate<float>(Rows * Outputs);
        using var dBias = backend.Allocate<float>(Outputs);

        Assert.Equal(1, LaunchesOf(() => backend.BiasBackward(dY, dBias, Rows, Outputs, 0f)));
    }

    [Fact]
    public void ActivationBackwardIsOneLaunch()
    {
        using var dY = backend.Allocate<float>(Rows * Outputs);
        using var y = backend.Allocate<float>(Rows * Outputs);

        Assert.Equal(1, LaunchesOf(() => backend.ActivationBackward(Activation.Relu, dY, y, dY, Rows * Outputs)));
    }

    [Fact]
    public void SgdUpdateIsOneLaunch()
    {
        const int count = Outputs * Inputs + Outputs;
        using var parameters = backend.Allocate<float>(count);
        using var gradients = backend.Allocate<float>(count);
        using var velocity = backend.Allocate<float>(count);

        Assert.Equal(1, LaunchesOf(() => backend.SgdUpdate(parameters, gradients, velocity, count, 0.1f, 0.9f, 0f, false)));
    }

    [Fact]
    public void GatherBatchIsOneLaunch()
    {
        const int items = 50;
        using var pixels = backend.Allocate<byte>(items * Inputs);
        using var labels = backend.Allocate<int>(items);
        using var order = backend.Allocate<int>(items);
        using var inputs = backend.Allocate<float>(Rows * Inputs);
        using var batchLabels = backend.Allocate<int>(Rows);
        using var scaleShift = backend.Allocate<float>(2);

        Assert.Equal(1, LaunchesOf(() =>
            backend.GatherBatch(pixels, labels, order, 3, Rows, Inputs, scaleShift, 1, inputs, batchLabels)));
    }

    /// <summary>
    /// A convolution is a GEMM between two layout changes: im2col (or dY to channels-last), the GEMM, the transpose
    /// back (or col2im); the weight gradient adds the bias sums. Fixed counts, whatever the shape below the scratch limit.
    /// </summary>
    [Fact]
    public void ConvolutionsAreAGemmAndTheirLayoutChanges()
    {
        var shape = new Conv2dShape(Batch: 3, InChannels: 2, Height: 6, Width: 5, OutChannels: 4, KernelHeight: 3, KernelWidth: 2,
            Stride: 1, Padding: 1);
        using var x = backend.Allocate<float>((int)shape.InputLength);
        using var weight = backend.Allocate<float>((int)shape.WeightLength);
        using var bias = backend.Allocate<float>(shape.OutChannels);
        using var y = backend.Allocate<float>((int)shape.OutputLength);

        Assert.Equal(3, LaunchesOf(() => backend.Conv2dForward(x, weight, bias, y, shape, Activation.Relu)));
        Assert.Equal(3, LaunchesOf(() => backend.Conv2dBackwardInput(y, weight, x, shape)));
        Assert.Equal(4, LaunchesOf(() => backend.Conv2dBackwardWeight(y, x, weight, bias, shape)));
    }

    /// <summary>
    /// On a GPU's shape a weight gradient with a long K and one block of C splits K (the GEMM, then the sum of its
    /// chunks: five launches), and gives the numbers the unsplit GEMM of the CPU accelerator's shape gives. The
    /// conformance suite's GPU-shaped check runs the same path, bounds-checked, in a process of its own first.
    /// </summary>
    [Fact]
    public void OnAGpuShapeTheWeightGradientSplitsItsLongSum()
    {
        var shape = new Conv2dShape(Batch: 1, InChannels: 1, Height: 28, Width: 28, OutChannels: 4, KernelHeight: 3, KernelWidth: 3,
            Stride: 1, Padding: 0);
        using var gpuShaped = IlgpuBackend.CreateCpu(gpuShaped: true);
        var x = Enumerable.Range(0, (int)shape.InputLength).Select(i => MathF.Sin(i * 0.7f)).ToArray();
        var dY = Enumerable.Range(0, (int)shape.OutputLength).Select(i => MathF.Cos(i * 0.3f)).ToArray();

        var (split, splitLaunches) = WeightGradient(gpuShaped, shape, x, dY);
        var (whole, wholeLaunches) = WeightGradient(backend, shape, x, dY);

        Assert.Equal(5, splitLaunches);
        Assert.Equal(4, wholeLaunches);
        for (var i = 0; i < whole.Length; i++)
        {
            Assert.True(MathF.Abs(whole[i] - split[i]) <= 1e-4f * (1f + MathF.Abs(whole[i])), $"element {i}: {whole[i]} against {split[i]}");
        }
    }

    /// <summary>dW then dBias of one convolution on <paramref name="on"/>, and the launches the op took.</summary>
    private static (float[] Values, long Launches) WeightGradient(IlgpuBackend on, Conv2dShape shape, float[] x, float[] dY)
    {
        using var xBuffer = on.Allocate<float>(x.Length);
        using var dYBuffer = on.Allocate<float>(dY.Length);
        using var dWeight = on.Allocate<float>((int)shape.WeightLength);
        using var dBias = on.Allocate<float>(shape.OutChannels);
        on.Upload<float>(xBuffer, x);
        on.Upload<float>(dYBuffer, dY);
        var before = on.Launches;
        on.Conv2dBackwardWeight(dYBuffer, xBuffer, dWeight, dBias, shape);
        var launches = on.Launches - before;
        var values = new float[shape.WeightLength + shape.OutChannels];
        on.Download<float>(dWeight, values.AsSpan(0, (int)shape.WeightLength));
        on.Download<float>(dBias, values.AsSpan((int)shape.WeightLength));
        return (values, launches);
    }

    [Fact]
    public void PoolingDropoutAndAdadeltaAreOneLaunchEach()
    {
        var pool = new Pool2dShape(Batch: 2, Channels: 3, Height: 6, Width: 6, Kernel: 2, Stride: 2);
        using var x = backend.Allocate<float>((int)pool.InputLength);
        using var y = backend.Allocate<float>((int)pool.OutputLength);
        using var argmax = backend.Allocate<int>((int)pool.OutputLength);
        var step = new DropoutStep(0.25f, 1, 0, 3);
        var count = (int)pool.InputLength;
        using var gradients = backend.Allocate<float>(count);
        using var square = backend.Allocate<float>(count);
        using var delta = backend.Allocate<float>(count);

        Assert.Equal(1, LaunchesOf(() => backend.MaxPool2dForward(x, y, argmax, pool)));
        Assert.Equal(1, LaunchesOf(() => backend.MaxPool2dBackward(y, argmax, x, pool)));
        Assert.Equal(1, LaunchesOf(() => backend.DropoutForward(x, x, count, step)));
        Assert.Equal(1, LaunchesOf(() => backend.DropoutBackward(x, x, count, step)));
        Assert.Equal(1, LaunchesOf(() => backend.AdadeltaUpdate(x, gradients, square, delta, count, new AdadeltaStep(1f, 0.9f, 1e-6f, 0f))));
    }

    /// <summary>Launches queued by <paramref name="op"/>, which it must also have run to the end without failing.</summary>
    private long LaunchesOf(Action op)
    {
        var before = backend.Launches;
        op();
        backend.Synchronize();
        return backend.Launches - before;
    }

    /// <summary>metrics[slot] = (row losses summed in row order, correct flags summed, no non-finite loss): exact.</summary>
    private void AssertSlotSumsRowsInOrder(DeviceBuffer<float> rowStats, DeviceBuffer<float> metrics, int slot, int rows)
    {
        var stats = new float[2 * rows];
        backend.Download<float>(rowStats, stats);
        var values = new float[3 * MetricSlot.Width];
        backend.Download<float>(metrics, values);
        var lossSum = 0f;
        var correct = 0f;
        for (var row = 0; row < rows; row++)
        {
            lossSum += stats[row];
            correct += stats[rows + row];
        }
        var start = slot * MetricSlot.Width;
        Assert.Equal(lossSum, values[start + MetricSlot.LossSum]);
        Assert.Equal(correct, values[start + MetricSlot.Correct]);
        Assert.Equal(0f, values[start + MetricSlot.NonFinite]);
        Assert.True(lossSum > 0f);
    }

    private DeviceBuffer<float> Upload(float[] values)
    {
        var buffer = backend.Allocate<float>(values.Length);
        backend.Upload<float>(buffer, values);
        return buffer;
    }
}
