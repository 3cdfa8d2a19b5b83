using ILGPU;
using ILGPU.Runtime;

namespace Descent.Kernels.Ilgpu;

// Convolution and its two gradients. Tensors are NCHW: x and dX (N,C,H,W), weight and dWeight (K,C,R,S),
// bias and dBias (K), y and dY (N,K,P,Q).
// A convolution is a GEMM over the whole batch, run by the GEMM kernels of IlgpuBackend.Gemm.cs:
//   y      (N*P*Q, K)     = columns (N*P*Q, C*R*S) * weight^T, bias and activation in the GEMM's epilogue;
//   dCols  (N*P*Q, C*R*S) = dY (N*P*Q, K) * weight (K, C*R*S), then gathered into dX;
//   dW     (K, C*R*S)     = dY^T (K, N*P*Q) * columns (N*P*Q, C*R*S); dBias sums each channel of dY, a group per channel.
// columns is im2col's matrix: row (n, p, q) holds the R*S window of every input channel that output reads.
// The GEMMs read and write the channels-last layout (N*P*Q, K), so y and dY pass through one transposing
// kernel each way. The column matrix and the channels-last matrix live in two scratch buffers of the
// backend, grown to the largest shape seen and then reused: ops run in queue order on one stream, so every
// op and layer can share them, and a training step of fixed shapes allocates nothing. A third scratch holds
// the partial products of the weight gradient's GEMM when a GPU splits its long K. Each op grows its
// scratch to what ConvolutionScratch declares for it before it launches, and every launch takes its part
// of that, so the declaration a memory plan reads is what the backend allocates.
public sealed partial class IlgpuBackend
{
    /// <summary>
    /// The most floats a convolution's scratch matrix may hold (1 GiB by default): a larger batch is convolved in
    /// slices of whole samples, which also keeps every GEMM index inside an int. Settable so tests can slice small batches.
    /// </summary>
    internal long MaxColumnElements { get; set; } = 1L << 28;

    private MemoryBuffer1D<float, Stride1D.Dense>? columnScratch;
    private MemoryBuffer1D<float, Stride1D.Dense>? channelsLastScratch;
    private MemoryBuffer1D<float, Stride1D.Dense>? splitScratch;

    private const string ColumnSlot = "columns";
    private const string ChannelsLastSlot = "channels-last";
    private const string SplitSlot = "split partials";

    private Action<Index1D, ArrayView<float>, ArrayView<float>, Conv2dShape, int>? launchImageToColumns;
    private Action<Index1D, ArrayView<float>, ArrayView<float>, Conv2dShape, int>? launchColumnsToImage;
    private Action<Index1D, ArrayView<float>, ArrayView<float>, int, int, int, int>? launchChannelsToLast;
    private Action<Index1D, ArrayView<float>, ArrayView<float>, int, int, int, int>? launchChannelsToFirst;
    private Action<KernelConfig, ArrayView<float>, ArrayView<float>, int, int, int, float>? launchConvolutionBiasBackward;

    // ---------------------------------------------------------------- convolution

    /// <summary>
    /// Per slice of the batch: im2col, the GEMM with bias and activation, the transpose into y. Three launches. No bias
    /// is, as in GemmCore, a view of no elements into the GEMM's output.
    /// </summary>
    protected override void Conv2dForwardCore(DeviceBuffer<float> x, DeviceBuffer<float> weight, DeviceBuffer<float>? bias,
        DeviceBuffer<float> y, Conv2dShape shape, Activation? activation)
    {
        var kind = activation is { } f ? ActivationKind(f) : NoActivation;
        ReserveConvolutionScratch(ConvolutionPass.Forward, shape);
        var slice = SamplesPerSlice(shape);
        for (var first = 0; first < shape.Batch; first += slice)
        {
            var part = shape with { Batch = Math.Min(slice, shape.Batch - first) };
            var columns = ImageToColumns(SampleView(x, first, part.InputLength / part.Batch, part.Batch), part);
            var channelsLast = ChannelsLastScratch(part);
            LaunchGemm(ConvolutionGemm(ConvolutionPass.Forward, part), columns, View(weight),
                channelsLast, 1f, 0f, bias is null ? channelsLast.SubView(0, 0) : View(bias), kind, GemmAlgorithm.Auto);
            LaunchChannelsToFirst(channelsLast, SampleView(y, first, part.OutputLength / part.Batch, part.Batch), part);
        }
    }

    /// <summary>Per slice of the batch: dY to channels-last, the GEMM into the column scratch, the gather into dX. Three launches.</summary>
    protected override void Conv2dBackwardInputCore(DeviceBuffer<float> dY, DeviceBuffer<float> weight, DeviceBuffer<float> dX,
        Conv2dShape shape)
    {
        ReserveConvolutionScratch(ConvolutionPass.BackwardInput, shape);
        var slice = SamplesPerSlice(shape);
        for (var first = 0; first < shape.Batch; first += slice)
        {
            var part = shape with { Batch = Math.Min(slice, shape.Batch - first) };
            var channelsLast = ChannelsToLast(SampleView(dY, first, part.OutputLength / part.Batch, part.Batch), part);
            var columns = ColumnScratch(part);
            LaunchGemm(ConvolutionGemm(ConvolutionPass.BackwardInput, part), channelsLast,
                View(weight), columns, 1f, 0f, View(weight).SubView(0, 0), NoActivation, GemmAlgorithm.Auto);
            launchColumnsToImage ??= accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, Conv2dShape,
                int>(ColumnsToImageKernel);
            var threads = Threads(part.InputLength);
            Launches++;
            launchColumnsToImage(threads, columns, SampleView(dX, first, part.InputLength / part.Batch, part.Batch), part, threads);
        }
    }

    /// <summary>
    /// Per slice of the batch: dY to channels-last, im2col of x, the GEMM into dW and the channel sums into dBias:
    /// four launches (three without a bias). Later slices add onto the first (beta 1), so the sums run over the samples in order.
    /// </summary>
    protected override void Conv2dBackwardWeightCore(DeviceBuffer<float> dY, DeviceBuffer<float> x, DeviceBuffer<float> dWeight,
        DeviceBuffer<float>? dBias, Conv2dShape shape)
    {
        ReserveConvolutionScratch(ConvolutionPass.BackwardWeight, shape);
        var slice = SamplesPerSlice(shape);
        for (var first = 0; first < shape.Batch; first += slice)
        {
            var part = shape with { Batch = Math.Min(slice, shape.Batch - first) };
            var beta = first == 0 ? 0f : 1f;
            var dYSlice = SampleView(dY, first, part.OutputLength / part.Batch, part.Batch);
            var channelsLast = ChannelsToLast(dYSlice, part);
            var columns = ImageToColumns(SampleView(x, first, part.InputLength / part.Batch, part.Batch), part);
            LaunchWeightGradientGemm(ConvolutionGemm(ConvolutionPass.BackwardWeight, part), channelsLast,
                columns, View(dWeight), beta);
            if (dBias is null)
            {
                continue;
            }
            launchConvolutionBiasBackward ??= accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<float>, int, int, int, float>(
                ConvolutionBiasBackwardKernel);
            // A group per output channel, of the shape's channel-reduction width.
            var group = Shape.ChannelGroup;
            Launches++;
            launchConvolutionBiasBackward(new KernelConfig(part.OutChannels, group, SharedMemoryConfig.RequestDynamic<float>(group)),
                dYSlice, View(dBias), part.Batch, part.OutChannels, part.OutHeight * part.OutWidth, beta);
        }
    }

    /// <summary>
    /// dW = dY^T columns + beta dW, the GEMM with a long K (N*P*Q) and few outputs: on a GPU its few tiles of C split K
    /// (<see cref="RegisterBlockGemmPlan"/>) into the split scratch its pass declared, then the chunks are summed in
    /// order. Elsewhere, or when it does not split, one GEMM launch.
    /// </summary>
    private void LaunchWeightGradientGemm(GemmLayout layout, ArrayView<float> channelsLast, ArrayView<float> columns,
        ArrayView<float> dWeight, float beta) =>
        LaunchGemm(layout, channelsLast, columns, dWeight, 1f, beta, dWeight.SubView(0, 0), NoActivation, GemmAlgorithm.Auto,
            convolutionScratch: true);

    /// <summary>The floats of partial sums the weight gradient's GEMM writes when it splits K on this device (0 when it does not).</summary>
    private long WeightGradientPartials(GemmLayout layout) =>
        Shape.AutoGemm == GemmAlgorithm.SharedMemoryRegisterBlocks
            ? RegisterBlockGemmPlan.For(layout.M, layout.N, layout.K, Shape.Gemm).PartialFloats(layout.M, layout.N)
            : 0;

    /// <summary>
    /// dBias[k] = beta * dBias[k] + the sum of dY (N,K,P,Q) over n, p, q: one group per channel k. Thread t adds
    /// elements t, t + T, ... of the channel's N*P*Q in order, the first thread then adds the T partial sums in
    /// order: a fixed order for a given group width, and no atomics. A GPU reduces the N*P*Q values (36864 for
    /// the example net's second convolution at batch 64) with a group of threads rather than one thread's chain
    /// of dependent loads.
    /// </summary>
    [IlgpuKernel(ExplicitlyGrouped = true)]
    internal static void ConvolutionBiasBackwardKernel(ArrayView<float> dY, ArrayView<float> dBias, int batch, int channels,
        int spatial, float beta)
    {
        var partials = SharedMemory.GetDynamic<float>();
        var channel = Grid.IdxX;
        var count = batch * spatial;
        var sum = 0f;
        for (var element = Group.IdxX; element < count; element += Group.DimX)
        {
            sum += dY[(element / spatial * channels + channel) * spatial + element % spatial];
        }
        partials[Group.IdxX] = sum;
        Group.Barrier();
        if (!Group.IsFirstThread)
        {
            return;
        }
        var total = 0f;
        for (var thread = 0; thread < Group.DimX; thread++)
        {
            total += partials[thread];
        }
        dBias[channel] = beta == 0f ? total : beta * dBias[channel] + total;
    }

    /// <summary>
    /// Samples per slice: the whole batch unless its column matrix would pass <see cref="MaxColumnElements"/>.
    /// </summary>
    /// <exception cref="InvalidInputException">One sample's column matrix alone is larger than that.</exception>
    internal int SamplesPerSlice(Conv2dShape shape)
    {
        var perSample = (long)shape.OutHeight * shape.OutWidth * Math.Max(ColumnWidth(shape), shape.OutChannels);
        return perSample <= MaxColumnElements
            ? (int)Math.Min(shape.Batch, MaxColumnElements / perSample)
            : throw new InvalidInputException(
                $"convolution {shape} needs {perSample} floats of im2col scratch per sample, more than the {MaxColumnElements} allowed");
    }

    /// <summary>
    /// The GEMM of one pass over a slice of the batch, <paramref name="part"/>: forward columns (N*P*Q, C*R*S) W^T into
    /// channels-last y; backward-input channels-last dY (N*P*Q, K) W (K, C*R*S) into the columns; weight gradient
    /// channels-last dY^T columns into dW (K, C*R*S), the long K being N*P*Q.
    /// </summary>
    internal static GemmLayout ConvolutionGemm(ConvolutionPass pass, Conv2dShape part) => pass switch
    {
        ConvolutionPass.Forward => new GemmLayout(false, true, ChannelsLastRows(part), part.OutChannels, ColumnWidth(part)),
        ConvolutionPass.BackwardInput => new GemmLayout(false, false, ChannelsLastRows(part), ColumnWidth(part), part.OutChannels),
        _ => new GemmLayout(true, false, part.OutChannels, ColumnWidth(part), ChannelsLastRows(part)),
    };

    /// <summary>The GEMMs' rows: one per output position of every sample, N*P*Q.</summary>
    private static int ChannelsLastRows(Conv2dShape shape) => shape.Batch * shape.OutHeight * shape.OutWidth;

    /// <summary>The column matrix's width, C*R*S: the GEMMs' depth in the forward pass.</summary>
    private static int ColumnWidth(Conv2dShape shape) => shape.InChannels * shape.KernelHeight * shape.KernelWidth;

    /// <summary>Samples [first, first + count) of a batch tensor of <paramref name="sampleLength"/> floats per sample.</summary>
    private static ArrayView<float> SampleView(DeviceBuffer<float> buffer, int first, long sampleLength, int count) =>
        View(buffer).SubView(first * sampleLength, count * sampleLength);

    /// <summary>im2col of <paramref name="x"/> into the column scratch: one launch.</summary>
    private ArrayView<float> ImageToColumns(ArrayView<float> x, Conv2dShape shape)
    {
        var columns = ColumnScratch(shape);
        launchImageToColumns ??= accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, Conv2dShape,
            int>(ImageToColumnsKernel);
        var threads = Threads(columns.Length);
        Launches++;
        launchImageToColumns(threads, x, columns, shape, threads);
        return columns;
    }

    /// <summary>An output-shaped tensor (N,K,P,Q) into the channels-last scratch (N*P*Q, K): one launch.</summary>
    private ArrayView<float> ChannelsToLast(ArrayView<float> source, Conv2dShape shape)
    {
        var channelsLast = ChannelsLastScratch(shape);
        launchChannelsToLast ??= accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, int, int, int,
            int>(ChannelsToLastKernel);
        var threads = Threads(channelsLast.Length);
        Launches++;
        launchChannelsToLast(threads, source, channelsLast, shape.Batch, shape.OutChannels, shape.OutHeight * shape.OutWidth, threads);
        return channelsLast;
    }

    /// <summary>The channels-last scratch (N*P*Q, K) into an output-shaped tensor (N,K,P,Q): one launch.</summary>
    private void LaunchChannelsToFirst(ArrayView<float> channelsLast, ArrayView<float> destination, Conv2dShape shape)
    {
        launchChannelsToFirst ??= accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, int, int, int,
            int>(ChannelsToFirstKernel);
        var threads = Threads(destination.Length);
        Launches++;
        launchChannelsToFirst(threads, channelsLast, destination, shape.Batch, shape.OutChannels, shape.OutHeight * shape.OutWidth,
            threads);
    }

    private ArrayView<float> ColumnScratch(Conv2dShape shape) =>
        ScratchPart(columnScratch, (long)ChannelsLastRows(shape) * ColumnWidth(shape));

    private ArrayView<float> ChannelsLastScratch(Conv2dShape shape) =>
        ScratchPart(channelsLastScratch, (long)ChannelsLastRows(shape) * shape.OutChannels);

    /// <summary>The floats of each scratch slot one pass over a shape needs (0: the slot is not used).</summary>
    private readonly record struct ConvolutionScratchSizes(long Columns, long ChannelsLast, long SplitPartials);

    /// <summary>
    /// What a pass needs: the column and channels-last matrices of the batch's first slice (the largest), and for
    /// the weight gradient the split GEMM's partials when it splits. Allocates nothing: every op calls it.
    /// </summary>
    private ConvolutionScratchSizes ScratchSizes(ConvolutionPass pass, Conv2dShape shape)
    {
        var part = shape with { Batch = SamplesPerSlice(shape) };
        var rows = (long)ChannelsLastRows(part);
        var splitPartials = 0L;
        if (pass == ConvolutionPass.BackwardWeight)
        {
            var layout = ConvolutionGemm(ConvolutionPass.BackwardWeight, part);
            splitPartials = WeightGradientPartials(layout);
        }
        return new ConvolutionScratchSizes(rows * ColumnWidth(part), rows * part.OutChannels, splitPartials);
    }

    protected override IReadOnlyList<ScratchNeed> ConvolutionScratchCore(ConvolutionPass pass, Conv2dShape shape)
    {
        var sizes = ScratchSizes(pass, shape);
        var needs = new List<ScratchNeed>
        {
            new(ColumnSlot, typeof(float), sizes.Columns),
            new(ChannelsLastSlot, typeof(float), sizes.ChannelsLast),
        };
        if (sizes.SplitPartials > 0)
        {
            needs.Add(new ScratchNeed(SplitSlot, typeof(float), sizes.SplitPartials));
        }
        return needs;
    }

    /// <summary>The scratch buffers this backend holds now (GEMMs' and convolutions'), one per slot it has used, at their allocated size.</summary>
    internal IReadOnlyList<ScratchNeed> HeldScratch =>
        new (string Slot, MemoryBuffer1D<float, Stride1D.Dense>? Buffer)[]
            {
                (ColumnSlot, columnScratch), (ChannelsLastSlot, channelsLastScratch), (SplitSlot, splitScratch),
                (GemmSplitSlot, gemmSplitScratch),
            }
            .Where(slot => slot.Buffer is not null)
            .Select(slot => new ScratchNeed(slot.Slot, typeof(float), slot.Buffer!.Length))
            .ToList();

    /// <summary>Grows every scratch buffer to what <see cref="ScratchSizes"/> declares for the pass, before any launch.</summary>
    private void ReserveConvolutionScratch(ConvolutionPass pass, Conv2dShape shape)
    {
        var sizes = ScratchSizes(pass, shape);
        Grow(ref columnScratch, sizes.Columns);
        Grow(ref channelsLastScratch, sizes.ChannelsLast);
        Grow(ref splitScratch, sizes.SplitPartials);
    }

    /// <summary>
    /// The first <paramref name="length"/> floats of a scratch buffer that <see cref="ReserveConvolutionScratch"/>
    /// grew: a launch asking for more than its pass declared is a bug in the declaration.
    /// </summary>
    private static ArrayView<float> ScratchPart(MemoryBuffer1D<float, Stride1D.Dense>? scratch, long length) =>
        scratch is not null && scratch.Length >= length
            ? ((ArrayView<float>)scratch.View).SubView(0, length)
            : throw new InvalidOperationException(
                $"a convolution uses {length} floats of scratch, more than its declaration reserved ({scratch?.Length ?? 0})");

    /// <summary>
    /// Replaces a scratch buffer by one of <paramref name="length"/> floats when it is smaller (0: leave it). Kernels
    /// already queued may still use the old one, so the stream is drained before it is freed; that happens only
    /// when a larger shape first comes, never in a training step's steady state.
    /// </summary>
    private void Grow(ref MemoryBuffer1D<float, Stride1D.Dense>? scratch, long length)
    {
        if (length > 0 && (scratch is null || scratch.Length < length))
        {
            if (scratch is not null)
            {
                stream.Synchronize();
                scratch.Dispose();
                scratch = null;
            }
            try
            {
                scratch = accelerator.Allocate1D<float>(length);
            }
            catch (Exception e) when (e is AcceleratorException or OutOfMemoryException)
            {
                throw new DeviceUnavailableException($"{Name} cannot allocate {length} floats of convolution scratch: {e.Message}", e);
            }
        }
    }

    /// <summary>
    /// im2col: columns (N*P*Q, C*R*S)[(n, p, q), (c, r, s)] = x[n, c, p*stride - pad + r, q*stride - pad + s], 0 outside x.
    /// Threads walk the column matrix in storage order, so neighbouring threads write neighbouring floats.
    /// </summary>
    [IlgpuKernel]
    internal static void ImageToColumnsKernel(Index1D index, ArrayView<float> x, ArrayView<float> columns, Conv2dShape shape,
        int stride)
    {
        var outHeight = shape.OutHeight;
        var outWidth = shape.OutWidth;
        var window = shape.KernelHeight * shape.KernelWidth;
        var width = shape.InChannels * window;
        var count = columns.Length;
        for (long i = index; i < count; i += stride)
        {
            // i < the scratch's length, which SamplesPerSlice keeps inside an int.
            var element = (int)i;
            var row = element / width;
            var column = element % width;
            var q = row % outWidth;
            var p = row / outWidth % outHeight;
            var n = row / (outWidth * outHeight);
            var c = column / window;
            var r = column % window / shape.KernelWidth;
            var s = column % shape.KernelWidth;
            var h = p * shape.Stride - shape.Padding + r;
            var w = q * shape.Stride - shape.Padding + s;
            var inside = h >= 0 && h < shape.Height && w >= 0 && w < shape.Width;
            // Never index outside x, not even in a branch the compiler might turn into a select.
            var source = inside ? ((n * shape.InChannels + c) * shape.Height + h) * shape.Width + w : 0;
            columns[element] = inside ? x[source] : 0f;
        }
    }

    /// <summary>
    /// col2im as a gather: dX[n, c, h, w] = the sum, over the kernel offsets (r, s) in order, of
    /// dColumns[(n, p, q), (c, r, s)] for the outputs (p, q) that read (h, w) through (r, s). Each thread writes its
    /// own element of dX: no atomics, and the same sum in the same order on every run.
    /// </summary>
    [IlgpuKernel]
    internal static void ColumnsToImageKernel(Index1D index, ArrayView<float> columns, ArrayView<float> dX, Conv2dShape shape,
        int stride)
    {
        var outHeight = shape.OutHeight;
        var outWidth = shape.OutWidth;
        var window = shape.KernelHeight * shape.KernelWidth;
        var width = shape.InChannels * window;
        var count = dX.Length;
        for (long i = index; i < count; i += stride)
        {
            var element = (int)i;
            var w = element % shape.Width;
            var h = element / shape.Width % shape.Height;
            var c = element / (shape.Width * shape.Height) % shape.InChannels;
            var n = element / (shape.Width * shape.Height * shape.InChannels);
            var sum = 0f;
            for (var r = 0; r < shape.KernelHeight; r++)
            {
                // Output row p reads input row h through r when p * stride - pad + r == h.
                var rowOffset = h + shape.Padding - r;
                var p = rowOffset / shape.Stride;
                if (rowOffset < 0 || rowOffset % shape.Stride != 0 || p >= outHeight)
                {
                    continue;
                }
                for (var s = 0; s < shape.KernelWidth; s++)
                {
                    var columnOffset = w + shape.Padding - s;
                    var q = columnOffset / shape.Stride;
                    if (columnOffset < 0 || columnOffset % shape.Stride != 0 || q >= outWidth)
                    {
                        continue;
                    }
                    sum += columns[((n * outHeight + p) * outWidth + q) * width + c * window + r * shape.KernelWidth + s];
                }
            }
            dX[element] = sum;
        }
    }

    /// <summary>destination (N, S, C)[n, s, c] = source (N, C, S)[n, c, s]; threads walk the destination in storage order.</summary>
    [IlgpuKernel]
    internal static void ChannelsToLastKernel(Index1D index, ArrayView<float> source, ArrayView<float> destination, int batch,
        int channels, int spatial, int stride)
    {
        long count = (long)batch * channels * spatial;
        for (long i = index; i < count; i += stride)
        {
            var element = (int)i;
            var c = element % channels;
            var s = element / channels % spatial;
            var n = element / (channels * spatial);
            destination[element] = source[(n * channels + c) * spatial + s];
        }
    }

    /// <summary>destination (N, C, S)[n, c, s] = source (N, S, C)[n, s, c]; threads walk the destination in storage order.</summary>
    [IlgpuKernel]
    internal static void ChannelsToFirstKernel(Index1D index, ArrayView<float> source, ArrayView<float> destination, int batch,
        int channels, int spatial, int stride)
    {
        long count = (long)batch * channels * spatial;
        for (long i = index; i < count; i += stride)
        {
            var element = (int)i;
            var s = element % spatial;
            var c = element / spatial % channels;
            var n = element / (channels * spatial);
            destination[element] = source[(n * spatial + s) * channels + c];
        }
    }
}
