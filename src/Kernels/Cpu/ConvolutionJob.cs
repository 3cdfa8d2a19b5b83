using System.Runtime.InteropServices;
using Descent.Kernels.Cpu.Gemm;

namespace Descent.Kernels.Cpu;

/// <summary>
/// The convolution and its two gradients as one GEMM per image through the cache-blocked SGEMM, the
/// images split across the pool: each thread lowers its images with <see cref="Im2Col"/> into its own
/// column matrix and multiplies on its own, so no thread waits for another. Per image:
/// forward Y (K x PQ) = f(W (K x CRS) cols (CRS x PQ) + bias per row), fused in the GEMM's store;
/// input gradient dCols (CRS x PQ) = W^T dY, scattered back by <see cref="Im2Col.Raise"/>;
/// weight gradient dW (K x CRS) += dY cols^T, summed per fixed chunk of images into a partial, and the
/// partials summed in chunk order. Chunks depend on the batch alone, so the bits do not depend on
/// the thread count, nor on scheduling. With fewer images than threads, each image's GEMM is split
/// across the pool instead (the GEMM's bits do not depend on its split either). A convolution of one input
/// channel at stride 1 skips the GEMM for <see cref="SingleChannelConvolution"/>, forward and weight gradient. Other
/// convolutions of stride 1 and 2, on AVX-512, read each image in place through <see cref="ShiftedRowsConvolution"/> and
/// <see cref="ShiftedRowsWeightGradient"/> instead of lowering it: the per-image column matrix and the GEMM's packing of
/// it were two passes over nine times the image for every product, which on 16 to 64 channels cost as much as the
/// multiply-adds. Of those, 3x3 convolutions at stride 1 with 8 or more channels each way on planes 4 or more 2x2 blocks
/// wide run as Winograd's F(2x2, 3x3) (<see cref="WinogradConvolution"/>, and <see cref="WinogradWeightGradient"/> for the
/// weight gradient where the input has whole 32-channel panels and 12 or more blocks to a row): 16 multiply-adds per 2x2
/// outputs and channel pair instead of 36.
/// <para>
/// Scratch (a column matrix per thread, the weight partials) grows to the largest shape seen and is
/// kept, so a training step allocates nothing after its first. Each pass reserves exactly what
/// <see cref="Scratch"/> declares for it, which is what the backend reports to a memory plan.
/// </para>
/// </summary>
/// <param name="shiftedRows">Whether convolutions may take the shifted-rows path (the AVX-512 GEMM is in use).</param>
internal sealed unsafe class ConvolutionJob(WorkerPool pool, ICacheBlockedGemm gemm, bool shiftedRows) : IParallelJob, IDisposable
{
    /// <summary>At most this many weight-gradient partials: enough chunks to keep every thread of a small machine busy.</summary>
    private const int MaxWeightChunks = 8;

    private readonly ScratchBuffer[] columns = Enumerable.Range(0, pool.Threads).Select(_ => new ScratchBuffer()).ToArray();
    private readonly ScratchBuffer partials = new();
    private readonly ScratchBuffer packedWeights = new();
    private int[] tapOffsets = [];

    private ConvolutionPass pass;
    private Conv2dShape shape;
    private Activation? activation;
    private float* x;
    private float* weight;
    private float* bias;
    private float* y;
    private float* dY;
    private float* dX;
    private float* dWeight;
    private int chunks;
    private int work;
    private bool splitEachGemm;
    private bool shifted;
    private ShiftedRowsGeometry geometry;
    private bool winograd;
    private WinogradGeometry winogradGeometry;

    /// <summary>
    /// The floats one pass needs (0: unused) of each thread's column matrix (on the shifted-rows path: its padded image,
    /// and for the weight gradient the image's transposed output gradient after it), of the weight partials, and of the
    /// weights packed for the shifted-rows product.
    /// </summary>
    public readonly record struct ScratchSizes(long ColumnsPerThread, long Partials, long PackedWeights);

    /// <summary>Whether convolutions may take the shifted-rows path.</summary>
    public bool ShiftedRows => shiftedRows;

    /// <summary>Threads that each hold a column matrix.</summary>
    public int Threads => columns.Length;

    /// <summary>
    /// What a pass over a shape reserves: a column matrix per thread unless lowering is the identity (the input
    /// gradient always lowers into one), and for the weight gradient a partial per chunk when there are several.
    /// </summary>
    public static ScratchSizes Scratch(ConvolutionPass pass, in Conv2dShape convolution, bool shiftedRows)
    {
        if (Winograd(pass, convolution, shiftedRows))
        {
            var blocks = WinogradOf(pass, convolution);
            return pass == ConvolutionPass.BackwardWeight
                ? new ScratchSizes(WinogradWeightGradient.ScratchLength(blocks),
                    WeightChunks(convolution) * WinogradWeightGradient.PartialLength(blocks), 0)
                : new ScratchSizes(blocks.ScratchLength, 0, blocks.PackedWeightLength);
        }
        if (Shifted(pass, convolution, shiftedRows))
        {
            var product = GeometryOf(pass, convolution);
            return pass == ConvolutionPass.BackwardWeight
                ? new ScratchSizes(product.PaddedLength + ShiftedRowsWeightGradient.TransposedLength(product),
                    WeightChunks(convolution) * ShiftedRowsWeightGradient.PartialLength(product), 0)
                : new ScratchSizes(product.PaddedLength, 0, product.PackedWeightLength);
        }
        var columnsPerThread = !Im2Col.IsIdentity(convolution) || pass == ConvolutionPass.BackwardInput ? Im2Col.Length(convolution) : 0;
        var chunks = WeightChunks(convolution);
        var partials = pass == ConvolutionPass.BackwardWeight && chunks > 1 ? chunks * convolution.WeightLength : 0;
        return new ScratchSizes(columnsPerThread, partials, 0);
    }

    /// <summary>The shifted-rows product a pass computes: the input gradient's over the output gradient, the others over the image.</summary>
    private static ShiftedRowsGeometry GeometryOf(ConvolutionPass pass, in Conv2dShape convolution) =>
        pass == ConvolutionPass.BackwardInput ? ShiftedRowsConvolution.BackwardInput(convolution) : ShiftedRowsConvolution.Forward(convolution);

    /// <summary>
    /// Whether a pass takes the shifted-rows path: where it applies, and for the input gradient only at stride 1 into 8 or
    /// more channels (its tiles are 8 input channels tall; a first layer's one channel would fill an eighth of each).
    /// </summary>
    private static bool Shifted(ConvolutionPass pass, in Conv2dShape convolution, bool shiftedRows) =>
        shiftedRows && ShiftedRowsConvolution.Applies(convolution)
        && (pass != ConvolutionPass.BackwardInput
            || (convolution.Stride == 1 && convolution.InChannels >= ShiftedRowsConvolution.TileRows));

    /// <summary>The F(2x2, 3x3) product a pass computes, as <see cref="GeometryOf"/>.</summary>
    private static WinogradGeometry WinogradOf(ConvolutionPass pass, in Conv2dShape convolution) =>
        pass == ConvolutionPass.BackwardInput ? WinogradConvolution.BackwardInput(convolution) : WinogradConvolution.Forward(convolution);

    /// <summary>
    /// Whether a pass runs through F(2x2, 3x3): a 3x3 kernel at stride 1 where the shifted-rows product would run, with 8 or
    /// more channels on each side of the product (<see cref="WinogradConvolution"/>), and for the weight gradient input
    /// channels in whole 32-wide panels (<see cref="WinogradWeightGradient"/>).
    /// </summary>
    private static bool Winograd(ConvolutionPass pass, in Conv2dShape convolution, bool shiftedRows) =>
        WinogradConvolution.Fits(convolution) && Shifted(pass, convolution, shiftedRows)
        && (pass == ConvolutionPass.BackwardWeight
            ? WinogradWeightGradient.Applies(convolution)
            : WinogradConvolution.Applies(WinogradOf(pass, convolution)));

    /// <summary>The floats each scratch buffer holds now: every thread's column matrix, in thread order, the partials, the packed weights.</summary>
    public (long[] ColumnsPerThread, long Partials, long PackedWeights) Held =>
        (columns.Select(buffer => buffer.Capacity).ToArray(), partials.Capacity, packedWeights.Capacity);

    public void Forward(float* input, float* weights, float* biases, float* output, in Conv2dShape convolution, Activation? function)
    {
        x = input;
        weight = weights;
        bias = biases;
        y = output;
        activation = function;
        Run(ConvolutionPass.Forward, convolution, convolution.Batch);
    }

    public void BackwardInput(float* outputGradient, float* weights, float* inputGradient, in Conv2dShape convolution)
    {
        dY = outputGradient;
        weight = weights;
        dX = inputGradient;
        Run(ConvolutionPass.BackwardInput, convolution, convolution.Batch);
    }

    /// <summary>dW only; the bias gradient is a separate, simpler sum.</summary>
    public void BackwardWeight(float* outputGradient, float* input, float* weightGradient, in Conv2dShape convolution)
    {
        dY = outputGradient;
        x = input;
        dWeight = weightGradient;
        chunks = WeightChunks(convolution);
        Run(ConvolutionPass.BackwardWeight, convolution, chunks);
        if (winograd)
        {
            pool.Run(new WinogradWeightGradient.SumChunks(partials.Pointer, chunks, WinogradWeightGradient.PartialLength(winogradGeometry),
                convolution.OutChannels, convolution.InChannels, weightGradient), convolution.OutChannels, 1, SerialChannelsBelow);
        }
        else if (shifted)
        {
            // The pass's own geometry, as Run prepared it.
            pool.Run(new ShiftedRowsWeightGradient.SumChunks(partials.Pointer, chunks, ShiftedRowsWeightGradient.PartialLength(geometry),
                geometry.Taps, ShiftedRowsWeightGradient.ChannelColumns(geometry.OutChannels), weightGradient), convolution.OutChannels, 1,
                SerialChannelsBelow);
        }
        else if (chunks > 1)
        {
            pool.Run(new ChunkSumKernel(partials.Pointer, chunks, (int)convolution.WeightLength, weightGradient),
                (int)convolution.WeightLength, 16, 1 << 16);
        }
    }

    private static int WeightChunks(in Conv2dShape convolution) => Math.Min(convolution.Batch, MaxWeightChunks);

    // Each output channel's sum is a few thousand adds at most (64 x 9 taps, 8 chunks): below 16 channels a dispatch to the
    // second core would cost more than it saves.
    private const int SerialChannelsBelow = 16;

    private void Run(ConvolutionPass which, in Conv2dShape convolution, int items)
    {
        (pass, shape) = (which, convolution);
        var scratch = Scratch(which, convolution, shiftedRows);
        foreach (var buffer in columns)
        {
            buffer.Reserve(scratch.ColumnsPerThread);
        }
        partials.Reserve(scratch.Partials);
        packedWeights.Reserve(scratch.PackedWeights);
        winograd = Winograd(which, convolution, shiftedRows);
        shifted = !winograd && Shifted(which, convolution, shiftedRows);
        if (winograd)
        {
            PrepareWinograd(which, convolution);
        }
        else if (shifted)
        {
            PrepareShiftedRows(which, convolution);
        }
        if (items >= pool.Threads)
        {
            work = items;
            pool.Run(this);
        }
        else
        {
            // Too few images to go round (a prediction, one image): one at a time, each GEMM split across the pool.
            splitEachGemm = true;
            Execute(0, items, 0);
            splitEachGemm = false;
        }
        // The pointers are the finished op's; none may be read by mistake in a later one.
        x = weight = bias = y = dY = dX = dWeight = null;
    }

    void IParallelJob.Run(int part, int parts) =>
        Execute((int)((long)work * part / parts), (int)((long)work * (part + 1) / parts), part);

    /// <summary>The pass's geometry, its packed weights and its tap offsets, made once on the calling thread for every image.</summary>
    private void PrepareShiftedRows(ConvolutionPass which, in Conv2dShape convolution)
    {
        geometry = GeometryOf(which, convolution);
        var offsets = which == ConvolutionPass.BackwardWeight ? ShiftedRowsWeightGradient.PackedTaps(geometry) : geometry.Taps;
        if (tapOffsets.Length < offsets)
        {
            tapOffsets = GC.AllocateArray<int>(offsets, pinned: true);
        }
        fixed (int* offsetTable = tapOffsets)
        {
            switch (which)
            {
                case ConvolutionPass.Forward:
                    ShiftedRowsConvolution.TapOffsets(geometry, offsetTable);
                    ShiftedRowsConvolution.PackWeights(weight, geometry, packedWeights.Pointer);
                    break;
                case ConvolutionPass.BackwardInput:
                    ShiftedRowsConvolution.TapOffsets(geometry, offsetTable);
                    ShiftedRowsConvolution.PackFlippedWeights(weight, convolution, geometry, packedWeights.Pointer);
                    break;
                default:
                    ShiftedRowsWeightGradient.TapOffsets(geometry, offsetTable);
                    break;
            }
        }
    }

    /// <summary>The pass's F(2x2, 3x3) geometry, its transformed kernel and its channel offsets, made once on the calling thread.</summary>
    private void PrepareWinograd(ConvolutionPass which, in Conv2dShape convolution)
    {
        winogradGeometry = WinogradOf(which, convolution);
        if (which == ConvolutionPass.BackwardWeight)
        {
            return;
        }
        if (tapOffsets.Length < winogradGeometry.InChannels)
        {
            tapOffsets = GC.AllocateArray<int>(winogradGeometry.InChannels, pinned: true);
        }
        fixed (int* offsets = tapOffsets)
        {
            WinogradConvolution.ChannelOffsets(winogradGeometry, offsets);
        }
        WinogradConvolution.PackWeights(weight, winogradGeometry, flipped: which == ConvolutionPass.BackwardInput, packedWeights.Pointer);
    }

    /// <summary>
    /// Items [start, end) of the F(2x2, 3x3) path on pool thread <paramref name="thread"/>: images, a unit at a time, or for the
    /// weight gradient chunks of images, each summed unit after unit into its partial.
    /// </summary>
    private void ExecuteWinograd(int start, int end, int thread)
    {
        var scratch = columns[thread].Pointer;
        var imageLength = (long)shape.InChannels * shape.Height * shape.Width;
        var outputLength = (long)shape.OutChannels * shape.OutHeight * shape.OutWidth;
        if (pass == ConvolutionPass.BackwardWeight)
        {
            var partialLength = WinogradWeightGradient.PartialLength(winogradGeometry);
            for (var chunk = start; chunk < end; chunk++)
            {
                var (first, last) = ((int)((long)shape.Batch * chunk / chunks), (int)((long)shape.Batch * (chunk + 1) / chunks));
                var overwrite = true;
                for (var n = first; n < last; n += winogradGeometry.Images)
                {
                    var images = Math.Min(winogradGeometry.Images, last - n);
                    for (var blockRow = 0; blockRow < winogradGeometry.BlockRows; blockRow += winogradGeometry.GroupRows)
                    {
                        WinogradWeightGradient.Accumulate(winogradGeometry, x + n * imageLength, dY + n * outputLength, images, blockRow,
                            partials.Pointer + chunk * partialLength, overwrite, scratch,
                            NextUnitShare(x, imageLength, n + images, last, blockRow),
                            NextUnitShare(dY, outputLength, n + images, last, blockRow));
                        overwrite = false;
                    }
                }
            }
            return;
        }
        var forward = pass == ConvolutionPass.Forward;
        var source = forward ? x : dY;
        var target = forward ? y : dX;
        var (sourceLength, targetLength) = forward ? (imageLength, outputLength) : (outputLength, imageLength);
        fixed (int* offsets = tapOffsets)
        {
            for (var item = start; item < end; item += winogradGeometry.Images)
            {
                var images = Math.Min(winogradGeometry.Images, end - item);
                for (var blockRow = 0; blockRow < winogradGeometry.BlockRows; blockRow += winogradGeometry.GroupRows)
                {
                    WinogradConvolution.Multiply(winogradGeometry, packedWeights.Pointer, offsets, source + item * sourceLength, images,
                        blockRow, forward ? bias : null, forward ? activation : null, target + item * targetLength, scratch,
                        NextUnitShare(source, sourceLength, item + images, end, blockRow),
                        NextUnitShare(target, targetLength, item + images, end, blockRow));
                }
            }
        }
    }

    /// <summary>
    /// What the unit at block row <paramref name="blockRow"/> prefetches of the next unit's images of <paramref name="data"/>
    /// (<paramref name="imageLength"/> floats each, from image <paramref name="next"/>, none from <paramref name="end"/> on):
    /// its share, as its block rows are of an image, so that the next unit's lines are in cache when it comes. A unit reads
    /// 16 or more planes' rows at once and writes as many, more streams than the hardware prefetchers follow.
    /// </summary>
    private CachePrefetch.Range NextUnitShare(float* data, long imageLength, int next, int end, int blockRow) =>
        next < end
            ? new CachePrefetch.Range(data + next * imageLength, Math.Min(winogradGeometry.Images, end - next) * imageLength)
                .Share(blockRow, winogradGeometry.GroupRows, winogradGeometry.BlockRows)
            : CachePrefetch.Range.None;

    /// <summary>Items [start, end) (images, or weight chunks) of the shifted-rows path on pool thread <paramref name="thread"/>.</summary>
    private void ExecuteShifted(int start, int end, int thread)
    {
        var padded = columns[thread].Pointer;
        var tile = stackalloc float[ShiftedRowsConvolution.TileBufferLength];
        var imageLength = (long)shape.InChannels * shape.Height * shape.Width;
        var outputLength = (long)shape.OutChannels * shape.OutHeight * shape.OutWidth;
        fixed (int* offsets = tapOffsets)
        {
            for (var item = start; item < end; item++)
            {
                switch (pass)
                {
                    case ConvolutionPass.Forward:
                        ShiftedRowsConvolution.Pad(x + item * imageLength, geometry, padded);
                        ShiftedRowsConvolution.Multiply(geometry, packedWeights.Pointer, offsets, padded, bias, activation,
                            y + item * outputLength, tile);
                        break;
                    case ConvolutionPass.BackwardInput:
                        ShiftedRowsConvolution.Pad(dY + item * outputLength, geometry, padded);
                        ShiftedRowsConvolution.Multiply(geometry, packedWeights.Pointer, offsets, padded, null, null,
                            dX + item * imageLength, tile);
                        break;
                    default:
                    {
                        var partialLength = ShiftedRowsWeightGradient.PartialLength(geometry);
                        var partial = partials.Pointer + item * partialLength;
                        new Span<float>(partial, (int)partialLength).Clear();
                        var transposed = padded + geometry.PaddedLength;
                        var first = (int)((long)shape.Batch * item / chunks);
                        var last = (int)((long)shape.Batch * (item + 1) / chunks);
                        for (var n = first; n < last; n++)
                        {
                            ShiftedRowsConvolution.Pad(x + n * imageLength, geometry, padded);
                            ShiftedRowsWeightGradient.Transpose(dY + n * outputLength, geometry, transposed);
                            var (nextInput, nextGradient) = n + 1 < last
                                ? (new CachePrefetch.Range(x + (n + 1) * imageLength, imageLength),
                                    new CachePrefetch.Range(dY + (n + 1) * outputLength, outputLength))
                                : (CachePrefetch.Range.None, CachePrefetch.Range.None);
                            ShiftedRowsWeightGradient.Accumulate(geometry, offsets, padded, transposed, partial, nextInput, nextGradient);
                        }
                        break;
                    }
                }
            }
        }
    }

    /// <summary>Items [start, end) (images, or weight chunks) on pool thread <paramref name="thread"/>.</summary>
    private void Execute(int start, int end, int thread)
    {
        if (winograd)
        {
            ExecuteWinograd(start, end, thread);
            return;
        }
        if (shifted)
        {
            ExecuteShifted(start, end, thread);
            return;
        }
        var cols = columns[thread].Pointer;
        var (k, crs, pq) = (shape.OutChannels, shape.InChannels * shape.KernelHeight * shape.KernelWidth, shape.OutHeight * shape.OutWidth);
        var imageLength = (long)shape.InChannels * shape.Height * shape.Width;
        var outputLength = (long)k * pq;
        for (var item = start; item < end; item++)
        {
            switch (pass)
            {
                case ConvolutionPass.Forward when SingleChannelConvolution.Applies(shape):
                    SingleChannelConvolution.Forward(shape, SingleChannelConvolution.Padded(shape, x + item * imageLength, cols), weight, bias,
                        y + item * outputLength, activation);
                    break;
                case ConvolutionPass.Forward:
                {
                    var image = x + item * imageLength;
                    var b = Lower(image, cols);
                    Multiply(new GemmProblem(false, false, k, pq, crs, weight, b,
                        new GemmOutput(y + item * outputLength, 1f, 0f, null, activation, rowBias: bias)), thread);
                    break;
                }
                case ConvolutionPass.BackwardInput:
                {
                    var gradient = dX + item * imageLength;
                    var target = Im2Col.IsIdentity(shape) ? gradient : cols;
                    Multiply(new GemmProblem(true, false, crs, pq, k, weight, dY + item * outputLength,
                        new GemmOutput(target, 1f, 0f, null, null)), thread);
                    if (target != gradient)
                    {
                        Im2Col.Raise(shape, cols, gradient);
                    }
                    break;
                }
                case ConvolutionPass.BackwardWeight:
                {
                    var first = (int)((long)shape.Batch * item / chunks);
                    var last = (int)((long)shape.Batch * (item + 1) / chunks);
                    var target = chunks > 1 ? partials.Pointer + item * shape.WeightLength : dWeight;
                    for (var n = first; n < last; n++)
                    {
                        if (SingleChannelConvolution.Applies(shape))
                        {
                            SingleChannelConvolution.BackwardWeight(shape, SingleChannelConvolution.Padded(shape, x + n * imageLength, cols),
                                dY + n * outputLength, target, accumulate: n != first);
                            continue;
                        }
                        var b = Lower(x + n * imageLength, cols);
                        Multiply(new GemmProblem(false, true, k, crs, pq, dY + n * outputLength, b,
                            new GemmOutput(target, 1f, n == first ? 0f : 1f, null, null)), thread);
                    }
                    break;
                }
            }
        }
    }

    /// <summary>One image's GEMM: on this thread alone, or across the pool when the images are too few to share out.</summary>
    private void Multiply(in GemmProblem problem, int thread)
    {
        if (splitEachGemm)
        {
            gemm.Multiply(problem);
        }
        else
        {
            gemm.MultiplyOnThread(problem, thread);
        }
    }

    /// <summary>The image's column matrix: the image itself when lowering is the identity, else <paramref name="cols"/> filled.</summary>
    private float* Lower(float* image, float* cols)
    {
        if (Im2Col.IsIdentity(shape))
        {
            return image;
        }
        Im2Col.Lower(shape, image, cols);
        return cols;
    }

    public void Dispose()
    {
        foreach (var buffer in columns)
        {
            buffer.Dispose();
        }
        partials.Dispose();
        packedWeights.Dispose();
    }

    /// <summary>weightGradient[i] = the sum of the chunk partials' element i, in chunk order.</summary>
    private readonly struct ChunkSumKernel(float* partials, int chunks, int length, float* weightGradient) : IRangeKernel
    {
        public void Execute(int start, int end)
        {
            for (var i = start; i < end; i++)
            {
                var sum = partials[i];
                for (var chunk = 1; chunk < chunks; chunk++)
                {
                    sum += partials[(long)chunk * length + i];
                }
                weightGradient[i] = sum;
            }
        }
    }

    /// <summary>Native, 64-byte aligned floats that grow to the largest size asked for and are kept.</summary>
    private sealed class ScratchBuffer : IDisposable
    {
        public float* Pointer { get; private set; }

        /// <summary>The floats allocated now.</summary>
        public long Capacity { get; private set; }

        public void Reserve(long floats)
        {
            if (floats <= Capacity)
            {
                return;
            }
            NativeMemory.AlignedFree(Pointer);
            Pointer = (float*)NativeMemory.AlignedAlloc((nuint)(floats * sizeof(float)), 64);
            Capacity = floats;
        }

        public void Dispose()
        {
            NativeMemory.AlignedFree(Pointer);
            Pointer = null;
            Capacity = 0;
        }
    }
}
