using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Descent.Kernels.Cpu;

public sealed unsafe partial class CpuBackend
{
    // ---------------------------------------------------------------- convolution

    protected override void Conv2dForwardCore(DeviceBuffer<float> x, DeviceBuffer<float> weight, DeviceBuffer<float>? bias,
        DeviceBuffer<float> y, Conv2dShape shape, Activation? activation) =>
        // A null row bias is the GEMM epilogue's own "no bias".
        convolution.Forward(Pointer(x), Pointer(weight), bias is null ? null : Pointer(bias), Pointer(y), shape, activation);

    protected override void Conv2dBackwardInputCore(DeviceBuffer<float> dY, DeviceBuffer<float> weight, DeviceBuffer<float> dX,
        Conv2dShape shape) =>
        convolution.BackwardInput(Pointer(dY), Pointer(weight), Pointer(dX), shape);

    protected override void Conv2dBackwardWeightCore(DeviceBuffer<float> dY, DeviceBuffer<float> x, DeviceBuffer<float> dWeight,
        DeviceBuffer<float>? dBias, Conv2dShape shape)
    {
        convolution.BackwardWeight(Pointer(dY), Pointer(x), Pointer(dWeight), shape);
        if (dBias is null)
        {
            return;
        }
        pool.Run(new ChannelSumKernel(Pointer(dY), Pointer(dBias), shape.Batch, shape.OutChannels, shape.OutHeight * shape.OutWidth),
            shape.OutChannels, 1, SerialRowsBelow);
    }

    /// <summary>
    /// Each thread's column matrix in a slot of its own, then the weight gradient's chunk partials and the packed weights,
    /// as ConvolutionJob reserves them.
    /// </summary>
    protected override IReadOnlyList<ScratchNeed> ConvolutionScratchCore(ConvolutionPass pass, Conv2dShape shape)
    {
        var sizes = ConvolutionJob.Scratch(pass, shape, convolution.ShiftedRows);
        var needs = new List<ScratchNeed>();
        if (sizes.ColumnsPerThread > 0)
        {
            for (var thread = 0; thread < convolution.Threads; thread++)
            {
                needs.Add(new ScratchNeed(ColumnSlot(thread), typeof(float), sizes.ColumnsPerThread));
            }
        }
        if (sizes.Partials > 0)
        {
            needs.Add(new ScratchNeed(PartialSlot, typeof(float), sizes.Partials));
        }
        if (sizes.PackedWeights > 0)
        {
            needs.Add(new ScratchNeed(PackedWeightSlot, typeof(float), sizes.PackedWeights));
        }
        return needs;
    }

    /// <summary>The convolution scratch this backend holds now, slot by slot, at its allocated size.</summary>
    internal IReadOnlyList<ScratchNeed> HeldScratch
    {
        get
        {
            var (columnsPerThread, partials, packedWeights) = convolution.Held;
            var held = columnsPerThread.Select((floats, thread) => new ScratchNeed(ColumnSlot(thread), typeof(float), floats))
                .Append(new ScratchNeed(PartialSlot, typeof(float), partials))
                .Append(new ScratchNeed(PackedWeightSlot, typeof(float), packedWeights));
            return held.Where(need => need.Elements > 0).ToList();
        }
    }

    private const string PartialSlot = "weight partials";

    private const string PackedWeightSlot = "packed weights";

    private static string ColumnSlot(int thread) => $"columns of thread {thread}";
}

/// <summary>dBias[k] = the sum over images n and positions of dY[n, k, ..], each channel summed in the same order every time.</summary>
internal unsafe struct ChannelSumKernel(float* dY, float* dBias, int batch, int channels, int plane) : IRangeKernel
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public readonly void Execute(int start, int end)
    {
        for (var k = start; k < end; k++)
        {
            var lanes = Vector256<float>.Zero;
            var tail = 0f;
            for (var n = 0; n < batch; n++)
            {
                var row = dY + ((long)n * channels + k) * plane;
                var i = 0;
                for (; i + Vector256<float>.Count <= plane; i += Vector256<float>.Count)
                {
                    lanes += Vector256.Load(row + i);
                }
                for (; i < plane; i++)
                {
                    tail += row[i];
                }
            }
            dBias[k] = Vector256.Sum(lanes) + tail;
        }
    }
}
