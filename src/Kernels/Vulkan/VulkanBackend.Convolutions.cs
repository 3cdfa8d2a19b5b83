namespace Descent.Kernels.Vulkan;

// A convolution is GEMMs over column matrices (shaders/include/conv_layout.glsl): each image's (C*KH*KW, P*Q)
// matrix is built in a scratch buffer (im2col), and one batched GEMM dispatch multiplies every image of a
// chunk at once, its products along z. Letters: N images, C input channels, K output channels, KH x KW the
// kernel, P x Q the output plane; CRS = C*KH*KW, PQ = P*Q.
public sealed partial class VulkanBackend
{
    /// <summary>
    /// The most bytes a convolution's scratch buffer grows to (or the device's largest storage buffer where
    /// that is smaller); a batch whose matrices need more is done in chunks of images. 64 MiB holds a whole
    /// batch of 64 of the MNIST net's second convolution (42 MiB of columns), so its GEMMs stay large.
    /// Tests lower it to reach the chunks with small shapes.
    /// </summary>
    internal long ScratchBytesLimit { get; set; } = 64L << 20;

    /// <summary>Scratch buffers a larger one replaced: freed at the next host wait, when no recorded command can still use them.</summary>
    private readonly List<VulkanAllocation> retiredScratch = [];

    /// <summary>Column matrices of a chunk of images; grows to the largest chunk asked for, then is reused every step.</summary>
    private VulkanAllocation? columnScratch;

    /// <summary>The weight gradient's per-image products of a chunk, summed by conv2d_weight_sum; grows like the columns.</summary>
    private VulkanAllocation? partialScratch;

    protected override void Conv2dForwardCore(DeviceBuffer<float> x, DeviceBuffer<float> weight, DeviceBuffer<float>? bias,
        DeviceBuffer<float> y, Conv2dShape shape, Activation? activation) =>
        ConvolutionForward(Allocation(x), Allocation(weight), bias is null ? null : Allocation(bias), Allocation(y), shape,
            activation is { } f ? Code(f, "activation") + 1 : NoActivation);

    protected override void Conv2dBackwardInputCore(DeviceBuffer<float> dY, DeviceBuffer<float> weight, DeviceBuffer<float> dX,
        Conv2dShape shape) =>
        ConvolutionBackwardInput(Allocation(dY), Allocation(weight), Allocation(dX), shape);

    protected override void Conv2dBackwardWeightCore(DeviceBuffer<float> dY, DeviceBuffer<float> x, DeviceBuffer<float> dWeight,
        DeviceBuffer<float>? dBias, Conv2dShape shape) =>
        ConvolutionBackwardWeight(Allocation(dY), Allocation(x), Allocation(dWeight), dBias is null ? null : Allocation(dBias), shape);

    /// <summary>
    /// Per chunk: im2col, then y_n (K,PQ) = f(W (K,CRS) columns_n (CRS,PQ) + bias[k]), the bias and activation in the GEMM's
    /// epilogue. Without a bias the GEMM adds none, and W, already bound, fills the binding it never reads.
    /// </summary>
    private void ConvolutionForward(BufferRegion x, BufferRegion weight, BufferRegion? bias, BufferRegion y, Conv2dShape convolution,
        uint activationCode)
    {
        var (k, crs, pq) = GemmSizes(convolution);
        var sizes = ScratchSizes(ConvolutionPass.Forward, convolution);
        var chunk = sizes.ImagesPerChunk;
        var columns = Scratch(ref columnScratch, sizes.Columns);
        for (var first = 0; first < convolution.Batch; first += chunk)
        {
            var images = Math.Min(chunk, convolution.Batch - first);
            Im2col(x, columns, convolution, first, images, onesRow: false);
            var (m, n, depth) = ConvolutionProduct(ConvolutionPass.Forward, convolution, bias: false);
            var product = GemmArguments.For(false, false, m, n, depth, 1f, 0f) with
            {
                BBatchStride = crs * pq,
                COffset = (uint)first * k * pq,
                CBatchStride = k * pq,
            };
            Gemm(GemmAlgorithm.Auto, product, [weight, columns, y, bias ?? weight], bias is null ? NoBias : BiasByRow, activationCode,
                (uint)images);
        }
    }

    /// <summary>Per chunk: columns_n (CRS,PQ) = W^T (CRS,K) dY_n (K,PQ), then col2im gathers each dX element's entries.</summary>
    private void ConvolutionBackwardInput(BufferRegion dY, BufferRegion weight, BufferRegion dX, Conv2dShape convolution)
    {
        var (k, crs, pq) = GemmSizes(convolution);
        var sizes = ScratchSizes(ConvolutionPass.BackwardInput, convolution);
        var chunk = sizes.ImagesPerChunk;
        var columns = Scratch(ref columnScratch, sizes.Columns);
        for (var first = 0; first < convolution.Batch; first += chunk)
        {
            var images = Math.Min(chunk, convolution.Batch - first);
            var (m, n, depth) = ConvolutionProduct(ConvolutionPass.BackwardInput, convolution, bias: false);
            var product = GemmArguments.For(true, false, m, n, depth, 1f, 0f) with
            {
                BOffset = (uint)first * k * pq,
                BBatchStride = k * pq,
                CBatchStride = crs * pq,
            };
            // No bias: binding 3 is never read, and W, already bound, fills it.
            Gemm(GemmAlgorithm.Auto, product, [weight, dY, columns, weight], NoBias, NoActivation, (uint)images);
            Dispatch(Shader.Named("conv2d_col2im"), GridStride(), [columns, dX], ConvColumnArguments.For(convolution, first, images, onesRow: false),
                shape.GridStrideGroups((long)images * convolution.InChannels * convolution.Height * convolution.Width));
        }
    }

    /// <summary>
    /// Per chunk: im2col with a row of ones, partials_n (K,CRS+1) = dY_n (K,PQ) [columns_n; ones]^T (PQ,CRS+1), whose
    /// last column is dY_n summed over the positions, then conv2d_weight_sum adds the partials over the images into
    /// dW and dBias (overwriting them for the first chunk). Every sum is spread over the GEMM's threads: no thread
    /// walks a whole channel of dY. Without a bias there is no row of ones and no last column, and dW, already bound,
    /// fills dBias's binding, which the sum then never writes.
    /// </summary>
    private void ConvolutionBackwardWeight(BufferRegion dY, BufferRegion x, BufferRegion dWeight, BufferRegion? dBias, Conv2dShape convolution)
    {
        var (k, crs, pq) = GemmSizes(convolution);
        var biasColumn = dBias is null ? 0u : 1u;
        var rowLength = crs + biasColumn;
        var sizes = ScratchSizes(ConvolutionPass.BackwardWeight, convolution);
        var chunk = sizes.ImagesPerChunk;
        var columns = Scratch(ref columnScratch, sizes.Columns);
        var partials = Scratch(ref partialScratch, sizes.Partials);
        for (var first = 0; first < convolution.Batch; first += chunk)
        {
            var images = Math.Min(chunk, convolution.Batch - first);
            Im2col(x, columns, convolution, first, images, onesRow: dBias is not null);
            var (m, n, depth) = ConvolutionProduct(ConvolutionPass.BackwardWeight, convolution, dBias is not null);
            var product = GemmArguments.For(false, true, m, n, depth, 1f, 0f) with
            {
                AOffset = (uint)first * k * pq,
                ABatchStride = k * pq,
                BBatchStride = rowLength * pq,
                CBatchStride = k * rowLength,
            };
            Gemm(GemmAlgorithm.Auto, product, [dY, columns, partials, dY], NoBias, NoActivation, (uint)images);
            Dispatch(Shader.Named("conv2d_weight_sum"), GridStride(), [partials, dWeight, dBias ?? dWeight],
                new WeightSumArguments((uint)images, OutChannels: k, RowLength: rowLength, Accumulate: first > 0 ? 1u : 0u, BiasColumn: biasColumn),
                shape.GridStrideGroups((long)k * rowLength));
        }
    }

    private void Im2col(BufferRegion x, BufferRegion columns, Conv2dShape convolution, int first, int images, bool onesRow)
    {
        var arguments = ConvColumnArguments.For(convolution, first, images, onesRow);
        var (_, crs, pq) = GemmSizes(convolution);
        Dispatch(Shader.Named("conv2d_im2col"), GridStride(), [x, columns], arguments,
            shape.GridStrideGroups((long)images * (crs + arguments.OnesRow) * pq));
    }

    /// <summary>
    /// One image's GEMM of <paramref name="pass"/>, M x N x K: the forward W (K,CRS) columns (CRS,PQ); the input gradient
    /// W^T (CRS,K) dY (K,PQ); the weight gradient dY (K,PQ) [columns; ones]^T (PQ,CRS+1), without the row of ones when
    /// there is no <paramref name="bias"/>. A chunk's images are that many products of one dispatch.
    /// </summary>
    internal static (int M, int N, int K) ConvolutionProduct(ConvolutionPass pass, Conv2dShape convolution, bool bias)
    {
        var (k, crs, pq) = GemmSizes(convolution);
        return pass switch
        {
            ConvolutionPass.Forward => ((int)k, (int)pq, (int)crs),
            ConvolutionPass.BackwardInput => ((int)crs, (int)pq, (int)k),
            _ => ((int)k, (int)crs + (bias ? 1 : 0), (int)pq),
        };
    }

    /// <summary>The images one chunk of <paramref name="pass"/> takes: one GEMM dispatch's products.</summary>
    internal int ImagesPerChunk(ConvolutionPass pass, Conv2dShape convolution) => ScratchSizes(pass, convolution).ImagesPerChunk;

    /// <summary>K, CRS and PQ: the GEMM sizes of one image. Conv2dShape keeps every tensor under 2^31 elements, so they fit.</summary>
    private static (uint K, uint Crs, uint Pq) GemmSizes(Conv2dShape convolution) =>
        ((uint)convolution.OutChannels, (uint)(convolution.InChannels * convolution.KernelHeight * convolution.KernelWidth),
            (uint)(convolution.OutHeight * convolution.OutWidth));

    private const string ColumnSlot = "columns";
    private const string PartialSlot = "weight partials";

    /// <summary>Images per chunk, and the floats of column matrices and of weight partials (0: unused) a pass needs.</summary>
    private readonly record struct ConvolutionScratchSizes(int ImagesPerChunk, long Columns, long Partials);

    /// <summary>
    /// What a pass over a shape needs: a chunk's column matrices (with the row of ones for the weight gradient),
    /// and the weight gradient's per-image partials. Allocates nothing: every op calls it.
    /// </summary>
    private ConvolutionScratchSizes ScratchSizes(ConvolutionPass pass, Conv2dShape convolution)
    {
        var (k, crs, pq) = GemmSizes(convolution);
        if (pass != ConvolutionPass.BackwardWeight)
        {
            var chunk = ImagesPerChunk(convolution, (long)crs * pq);
            return new ConvolutionScratchSizes(chunk, (long)chunk * crs * pq, 0);
        }
        var rowLength = crs + 1;
        var weightChunk = ImagesPerChunk(convolution, (long)rowLength * pq + (long)k * rowLength);
        return new ConvolutionScratchSizes(weightChunk, (long)weightChunk * rowLength * pq, (long)weightChunk * k * rowLength);
    }

    protected override IReadOnlyList<ScratchNeed> ConvolutionScratchCore(ConvolutionPass pass, Conv2dShape shape)
    {
        var sizes = ScratchSizes(pass, shape);
        var needs = new List<ScratchNeed> { new(ColumnSlot, typeof(float), sizes.Columns) };
        if (sizes.Partials > 0)
        {
            needs.Add(new ScratchNeed(PartialSlot, typeof(float), sizes.Partials));
        }
        if (SingleImageSplitPartials(pass, shape, sizes.ImagesPerChunk) is > 0 and var splitPartials)
        {
            needs.Add(new ScratchNeed(GemmSplitSlot, typeof(float), splitPartials));
        }
        return needs;
    }

    /// <summary>
    /// The split partials of a chunk of one image, the only chunk whose GEMM may split K (more images take z): when the
    /// chunks, or the last of them, are single images. The weight gradient's with and without the bias column, either
    /// of which may run.
    /// </summary>
    private long SingleImageSplitPartials(ConvolutionPass pass, Conv2dShape convolution, int chunk)
    {
        var last = convolution.Batch % chunk == 0 ? chunk : convolution.Batch % chunk;
        if (shape.AutoGemm != GemmAlgorithm.SharedMemoryRegisterBlocks || (chunk != 1 && last != 1))
        {
            return 0;
        }
        var most = 0L;
        foreach (var bias in pass == ConvolutionPass.BackwardWeight ? new[] { false, true } : [false])
        {
            var (m, n, k) = ConvolutionProduct(pass, convolution, bias);
            most = Math.Max(most, GemmSplitPartials(m, n, k));
        }
        return most;
    }

    /// <summary>The scratch buffers this backend holds now (outgrown ones waiting to be freed aside), at their allocated size.</summary>
    internal IReadOnlyList<ScratchNeed> HeldScratch =>
        new (string Slot, VulkanAllocation? Allocation)[] { (ColumnSlot, columnScratch), (PartialSlot, partialScratch), (GemmSplitSlot, gemmSplitScratch) }
            .Where(slot => slot.Allocation is not null)
            .Select(slot => new ScratchNeed(slot.Slot, typeof(float), (long)slot.Allocation!.Bytes / sizeof(float)))
            .ToList();

    /// <summary>
    /// How many images one chunk takes so that its scratch (<paramref name="floatsPerImage"/> each) stays within
    /// <see cref="ScratchBytesLimit"/>: at least one, at most the batch and the products one dispatch runs along z.
    /// </summary>
    /// <exception cref="InvalidInputException">One image's matrices exceed the largest buffer the device can bind.</exception>
    private int ImagesPerChunk(Conv2dShape convolution, long floatsPerImage)
    {
        if (floatsPerImage * sizeof(float) > MaxBufferBytes)
        {
            throw new InvalidInputException(
                $"convolution {convolution} needs {floatsPerImage * sizeof(float) / (1024.0 * 1024):F1} MiB of column matrices per image, " +
                $"more than this device's largest storage buffer ({MaxBufferBytes / (1024.0 * 1024):F0} MiB)");
        }
        var limit = Math.Min(ScratchBytesLimit, MaxBufferBytes) / sizeof(float);
        return (int)Math.Clamp(limit / floatsPerImage, 1, Math.Min(convolution.Batch, shape.MaxGroupsZ));
    }

    /// <summary>
    /// All of <paramref name="scratch"/>, first grown to <paramref name="floats"/> if it is smaller. A training step
    /// asks for the same sizes every time, so only its first step allocates; the outgrown buffer may still be
    /// in recorded commands, so it is freed at the next host wait rather than now.
    /// </summary>
    private BufferRegion Scratch(ref VulkanAllocation? scratch, long floats)
    {
        var bytes = floats * sizeof(float);
        if (scratch is null || (long)scratch.Bytes < bytes)
        {
            if (scratch is not null)
            {
                retiredScratch.Add(scratch);
            }
            scratch = memory.CreateStorage(bytes);
            liveAllocations.Add(scratch);
        }
        return new BufferRegion(scratch, 0, scratch.Bytes);
    }

    /// <summary>Frees the outgrown scratch buffers; call only when no recorded command is pending.</summary>
    private void FreeRetiredScratch()
    {
        foreach (var allocation in retiredScratch)
        {
            Free(allocation);
        }
        retiredScratch.Clear();
    }

    /// <summary>A convolution's geometry, the images (first, count) of one chunk, and whether im2col appends a row of ones (1).</summary>
    [PushConstantsFor("conv2d_im2col", "conv2d_col2im")]
    private readonly record struct ConvColumnArguments(uint FirstImage, uint Images, uint Channels, uint Height, uint Width,
        uint KernelHeight, uint KernelWidth, uint Stride, uint Padding, uint OutHeight, uint OutWidth, uint OnesRow)
    {
        public static ConvColumnArguments For(Conv2dShape convolution, int first, int images, bool onesRow) => new(
            (uint)first, (uint)images, (uint)convolution.InChannels, (uint)convolution.Height, (uint)convolution.Width,
            (uint)convolution.KernelHeight, (uint)convolution.KernelWidth, (uint)convolution.Stride, (uint)convolution.Padding,
            (uint)convolution.OutHeight, (uint)convolution.OutWidth, onesRow ? 1u : 0u);
    }

    /// <summary>
    /// One chunk's images, K, a partial product's row length (CRS + BiasColumn), whether to add to earlier chunks' sums (1)
    /// or overwrite (0), and whether the row's last column is the bias gradient's (1) or there is no bias (0).
    /// </summary>
    [PushConstantsFor("conv2d_weight_sum")]
    private readonly record struct WeightSumArguments(uint Images, uint OutChannels, uint RowLength, uint Accumulate, uint BiasColumn);
}
