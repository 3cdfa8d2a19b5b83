using static Descent.Kernels.Vulkan.BufferAccess;

namespace Descent.Kernels.Vulkan;

// The ops: each picks its shader, specialization and dispatch size and records it. Arguments were
// validated by ComputeBackend, so every dispatch stays inside its buffers. Bindings follow the
// shader's declarations; where a mode uses fewer buffers than the shader declares, a buffer the op
// already binds fills the unused slot.
public sealed partial class VulkanBackend
{
    // Specialization constant values the shaders compare against.
    private const uint Forward = 0;
    private const uint Backward = 1;

    // Auto runs the register-blocked GEMM everywhere: on lavapipe it is several times the naive shader's
    // speed (see README), and on GPUs it cuts global loads per multiply-add by four.
    private const GemmAlgorithm AutoGemm = GemmAlgorithm.RegisterBlocks;

    protected override void FillCore(DeviceBuffer<float> buffer, float value, int offset, int count) =>
        Dispatch(Shader.Fill, GridStride(), [Write(Allocation(buffer))],
            new FillArguments(value, (uint)offset, (uint)count), shape.GridStrideGroups(count));

    protected override void GemmCore(bool transposeA, bool transposeB, int m, int n, int k, float alpha,
        DeviceBuffer<float> a, DeviceBuffer<float> b, float beta, DeviceBuffer<float> c, GemmAlgorithm algorithm)
    {
        var arguments = GemmArguments.For(transposeA, transposeB, m, n, k, alpha, beta);
        // C is read too unless beta is 0; declaring it written covers both.
        ReadOnlySpan<BufferAccess> buffers = [Read(Allocation(a)), Read(Allocation(b)), Write(Allocation(c))];
        var groupsX = ((uint)n + shape.GemmGroupX * shape.BlockCols - 1) / (shape.GemmGroupX * shape.BlockCols);
        var groupsY = ((uint)m + shape.GemmGroupY * shape.BlockRows - 1) / (shape.GemmGroupY * shape.BlockRows);
        var blocked = (algorithm == GemmAlgorithm.Auto ? AutoGemm : algorithm) == GemmAlgorithm.RegisterBlocks
            && groupsX <= shape.MaxGroupsX && groupsY <= shape.MaxGroupsY;
        if (blocked)
        {
            var tiles = new SpecializationConstants(shape.GemmGroupX, shape.GemmGroupY, shape.BlockRows, shape.BlockCols);
            Dispatch(Shader.GemmBlocked, tiles, buffers, arguments, groupsX, groupsY);
        }
        else
        {
            Dispatch(Shader.GemmNaive, GridStride(), buffers, arguments, shape.GridStrideGroups((long)m * n));
        }
    }

    protected override void BiasAddCore(DeviceBuffer<float> y, DeviceBuffer<float> bias, int rows, int cols) =>
        Dispatch(Shader.Bias, GridStride(Forward), [Write(Allocation(y)), Read(Allocation(bias))],
            new RowsColumnsArguments((uint)rows, (uint)cols), shape.GridStrideGroups((long)rows * cols));

    protected override void BiasBackwardCore(DeviceBuffer<float> dY, DeviceBuffer<float> dBias, int rows, int cols, float beta) =>
        Dispatch(Shader.Bias, GridStride(Backward), [Read(Allocation(dY)), Write(Allocation(dBias))],
            new RowsColumnsArguments((uint)rows, (uint)cols, beta), shape.GridStrideGroups(cols));

    protected override void ActivationForwardCore(Activation activation, DeviceBuffer<float> x, DeviceBuffer<float> y, int count)
    {
        var output = Allocation(y);
        Dispatch(Shader.Activation, GridStride(Forward, ActivationCode(activation)), [Read(Allocation(x)), Write(output), Write(output)],
            new CountArguments((uint)count), shape.GridStrideGroups(count));
    }

    protected override void ActivationBackwardCore(Activation activation, DeviceBuffer<float> dY, DeviceBuffer<float> y,
        DeviceBuffer<float> dX, int count) =>
        Dispatch(Shader.Activation, GridStride(Backward, ActivationCode(activation)),
            [Read(Allocation(dY)), Read(Allocation(y)), Write(Allocation(dX))],
            new CountArguments((uint)count), shape.GridStrideGroups(count));

    protected override void SoftmaxForwardCore(DeviceBuffer<float> x, DeviceBuffer<float> y, int rows, int cols)
    {
        var output = Allocation(y);
        Dispatch(Shader.Softmax, GridStride(Forward), [Read(Allocation(x)), Write(output), Write(output)],
            new RowsColumnsArguments((uint)rows, (uint)cols), shape.GridStrideGroups(rows));
    }

    protected override void SoftmaxBackwardCore(DeviceBuffer<float> dY, DeviceBuffer<float> y, DeviceBuffer<float> dX, int rows,
        int cols) =>
        Dispatch(Shader.Softmax, GridStride(Backward), [Read(Allocation(dY)), Read(Allocation(y)), Write(Allocation(dX))],
            new RowsColumnsArguments((uint)rows, (uint)cols), shape.GridStrideGroups(rows));

    protected override void SoftmaxCrossEntropyCore(DeviceBuffer<float> logits, DeviceBuffer<int> labels,
        DeviceBuffer<float> dLogits, DeviceBuffer<float> rowStats, DeviceBuffer<float> metrics, int slot, int rows, int cols)
    {
        Dispatch(Shader.SoftmaxCrossEntropy, GridStride(),
            [Read(Allocation(logits)), Read(Allocation(labels)), Write(Allocation(dLogits)), Write(Allocation(rowStats))],
            new RowsColumnsArguments((uint)rows, (uint)cols), shape.GridStrideGroups(rows));
        ReduceMetrics(rowStats, metrics, slot, rows);
    }

    protected override void BinaryLossCore(BinaryLoss loss, DeviceBuffer<float> logits, DeviceBuffer<int> targets,
        DeviceBuffer<float> dLogits, DeviceBuffer<float> rowStats, DeviceBuffer<float> metrics, int slot, int rows)
    {
        var lossCode = loss switch
        {
            BinaryLoss.Mnist => 0u,
            BinaryLoss.BinaryCrossEntropy => 1u,
            BinaryLoss.MeanSquaredError => 2u,
            _ => throw new InvalidInputException($"unknown binary loss {loss}"),
        };
        Dispatch(Shader.BinaryLoss, GridStride(lossCode),
            [Read(Allocation(logits)), Read(Allocation(targets)), Write(Allocation(dLogits)), Write(Allocation(rowStats))],
            new CountArguments((uint)rows), shape.GridStrideGroups(rows));
        ReduceMetrics(rowStats, metrics, slot, rows);
    }

    protected override void SgdUpdateCore(DeviceBuffer<float> parameters, DeviceBuffer<float> gradients,
        DeviceBuffer<float> velocity, int count, float learningRate, float momentum, float weightDecay) =>
        Dispatch(Shader.Sgd, GridStride(), [Write(Allocation(parameters)), Read(Allocation(gradients)), Write(Allocation(velocity))],
            new SgdArguments((uint)count, learningRate, momentum, weightDecay), shape.GridStrideGroups(count));

    protected override void AdamWUpdateCore(DeviceBuffer<float> parameters, DeviceBuffer<float> gradients,
        DeviceBuffer<float> firstMoment, DeviceBuffer<float> secondMoment, int count, AdamWStep step) =>
        Dispatch(Shader.AdamW, GridStride(),
            [Write(Allocation(parameters)), Read(Allocation(gradients)), Write(Allocation(firstMoment)), Write(Allocation(secondMoment))],
            new AdamWArguments((uint)count, step),
            shape.GridStrideGroups(count));

    protected override void GatherBatchCore(DeviceBuffer<byte> pixels, DeviceBuffer<int> labels, DeviceBuffer<int> order,
        int start, int count, int features, float scale, float shift, DeviceBuffer<float> inputs, DeviceBuffer<int> batchLabels) =>
        Dispatch(Shader.GatherBatch, GridStride(),
            [Read(Allocation(pixels)), Read(Allocation(labels)), Read(Allocation(order)), Write(Allocation(inputs)),
                Write(Allocation(batchLabels))],
            new GatherArguments((uint)start, (uint)count, (uint)features, pixels.Length / features, scale, shift),
            shape.GridStrideGroups((long)count * features));

    /// <summary>One thread sums the loss op's rowStats into the metric slot, in row order.</summary>
    private void ReduceMetrics(DeviceBuffer<float> rowStats, DeviceBuffer<float> metrics, int slot, int rows) =>
        Dispatch(Shader.Metrics, GridStride(), [Read(Allocation(rowStats)), Write(Allocation(metrics))],
            new MetricsArguments((uint)rows, (uint)slot), 1);

    private void Dispatch<TPush>(Shader shader, SpecializationConstants constants, ReadOnlySpan<BufferAccess> buffers, in TPush push,
        uint groupsX, uint groupsY = 1) where TPush : unmanaged
    {
        var pipeline = pipelines.Get(shader, constants);
        var set = descriptorSets.Get(pipeline, buffers);
        recorder.Dispatch(pipeline, set, buffers, push, groupsX, groupsY);
    }

    /// <summary>Constants of a grid-stride shader: the workgroup width, then the shader's own.</summary>
    private SpecializationConstants GridStride(uint first = 0, uint second = 0) => new(shape.WorkgroupWidth, first, second);

    private static uint ActivationCode(Activation activation) => activation switch
    {
        Activation.Relu => 0u,
        Activation.Sigmoid => 1u,
        Activation.Tanh => 2u,
        _ => throw new InvalidInputException($"unknown activation {activation}"),
    };
}
