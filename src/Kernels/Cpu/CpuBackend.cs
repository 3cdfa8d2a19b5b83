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
/// <para>
/// Layout: this file holds construction, memory and lifetime; each group of ops is a file of its own,
/// CpuBackend.Group.cs, with its kernels beside the overrides that dispatch them. An op needs nothing
/// here: the worker pool makes a kernel type's job the first time it runs one.
/// </para>
/// </summary>
public sealed unsafe partial class CpuBackend : ComputeBackend
{
    // Element-wise ops over fewer items than these run on the calling thread: under about 10 us of
    // work, a dispatch to the workers costs more than the second core gives back.
    private const int SerialElementsBelow = 1 << 16;
    private const int SerialRowsBelow = 64;

    private readonly WorkerPool pool;
    private readonly ICacheBlockedGemm gemm;
    private readonly ConvolutionJob convolution;

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
        var avx512 = allowAvx512 && Vector512.IsHardwareAccelerated;
        gemm = avx512 ? new CacheBlockedGemm<MicroKernel8x32>(pool) : new CacheBlockedGemm<MicroKernel6x16>(pool);
        convolution = new ConvolutionJob(pool, gemm, shiftedRows: avx512);
        DeviceDescription = $"{ProcessorName()}, {pool.Threads} thread{(pool.Threads == 1 ? "" : "s")}, {gemm.Description}";
    }

    public override string Name => Backends.CpuName;

    public override string DeviceDescription { get; }

    public override IReadOnlyList<GemmAlgorithm> GemmAlgorithms { get; } = [GemmAlgorithm.Naive, GemmAlgorithm.CacheBlocked];

    public override int MaxBufferElements => CpuBuffer<byte>.MaxLength;

    /// <summary>Buffers are arrays in this process: they take the machine's memory.</summary>
    public override MemoryCapacity Memory => MemoryCapacity.Host();

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
        source.CopyTo(Elements(destination)[offset..]);

    protected override void DownloadCore<T>(DeviceBuffer<T> source, Span<T> destination, int offset) =>
        Elements(source).Slice(offset, destination.Length).CopyTo(destination);

    // Every op has finished when its call returns.
    protected override void SynchronizeCore()
    {
    }

    // ---------------------------------------------------------------- lifetime

    // Buffers are pinned managed arrays that the collector reclaims; the workers, GEMM and convolution scratch are ours.
    protected override void DisposeCore()
    {
        pool.Dispose();
        gemm.Dispose();
        convolution.Dispose();
    }

    /// <summary>
    /// Runs an element-wise kernel over <paramref name="count"/> elements, sliced on AVX-512 vector
    /// boundaries, on this thread alone when the work is too small to be worth a dispatch.
    /// </summary>
    private void RunElementwise<TKernel>(in TKernel kernel, int count) where TKernel : struct, IRangeKernel =>
        pool.Run(kernel, count, Vector512<float>.Count, SerialElementsBelow);

    /// <summary>The buffer's elements, a view's included.</summary>
    private static Span<T> Elements<T>(DeviceBuffer<T> buffer) where T : unmanaged => new(Pointer(buffer), buffer.Length);

    private static T* Pointer<T>(DeviceBuffer<T> buffer) where T : unmanaged => ((CpuBuffer<T>)buffer.Root).Pointer + buffer.Offset;
}
