using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;
using ILGPU.Runtime.Cuda;

namespace Descent.Kernels.Ilgpu;

/// <summary>
/// A <see cref="ComputeBackend"/> on ILGPU: CUDA GPUs ("cuda") or ILGPU's CPU accelerator ("ilgpu-cpu"),
/// which runs the same kernels on OS threads: slow, but it needs no GPU and checks the kernels.
/// Each backend owns a fresh ILGPU context and one accelerator. Ops are queued on the accelerator's
/// default stream in call order; only <see cref="ComputeBackend.Download{T}"/>,
/// <see cref="ComputeBackend.Upload{T}"/> and <see cref="ComputeBackend.Synchronize"/> wait.
/// <para>
/// Each op group lives in one file, IlgpuBackend.&lt;Group&gt;.cs, with its kernels (static methods marked
/// <see cref="IlgpuKernelAttribute"/>), the typed launchers it loads on first use and its <c>...Core</c>
/// overrides, so an op is written in one place. Arguments reach the <c>...Core</c> methods validated by
/// <see cref="ComputeBackend"/>, so every launch stays inside its buffers.
/// </para>
/// <para>
/// Most kernels walk their elements with a grid stride: they take the number of threads launched as
/// <c>stride</c>, and thread i handles elements i, i + stride, ... (see <see cref="Threads"/>).
/// A launcher is a field read and a typed delegate call, so the backend allocates nothing per launch
/// (ILGPU's CPU accelerator does: one small task object per launch, whatever the kernel). Each launch
/// site also adds one to <see cref="Launches"/>.
/// </para>
/// </summary>
public sealed partial class IlgpuBackend : ComputeBackend
{
    internal const string CpuName = Backends.IlgpuCpuName;
    internal const string CudaName = Backends.CudaName;

    private readonly Context context;
    private readonly Accelerator accelerator;
    private readonly AcceleratorStream stream;

    /// <summary>A GPU's memory; null for the CPU accelerator, whose buffers take the machine's memory.</summary>
    private readonly MemoryCapacity? gpuMemory;

    private IlgpuBackend(Context context, Accelerator accelerator, string name, string description, IlgpuLaunchShape shape,
        MemoryCapacity? gpuMemory = null)
    {
        this.context = context;
        this.accelerator = accelerator;
        Name = name;
        DeviceDescription = description;
        stream = accelerator.DefaultStream;
        Shape = shape;
        this.gpuMemory = gpuMemory;
    }

    /// <summary>How this backend launches, chosen per device: a parameter, so that the CPU accelerator can run a GPU's shapes.</summary>
    public IlgpuLaunchShape Shape { get; }

    /// <summary>
    /// Kernel launches queued so far, counted at every launch site: each launch costs microseconds on a GPU
    /// whatever its work, so tests hold each op, and a training step, to a number of launches.
    /// </summary>
    internal long Launches { get; private set; }

    public override string Name { get; }

    public override IReadOnlyList<GemmAlgorithm> GemmAlgorithms { get; } =
        [GemmAlgorithm.Naive, GemmAlgorithm.SharedMemoryTiles, GemmAlgorithm.SharedMemoryRegisterBlocks];

    public override string DeviceDescription { get; }

    public override MemoryCapacity Memory => gpuMemory ?? MemoryCapacity.Host();

    /// <summary>True when ILGPU finds at least one CUDA device.</summary>
    public static bool CudaAvailable => IlgpuDevices.CudaDevices.Count > 0;

    /// <summary>The CUDA devices ILGPU finds (none without a driver), then the CPU accelerator. Never throws.</summary>
    public static IReadOnlyList<DeviceInfo> ListDevices()
    {
        var devices = new List<DeviceInfo>(IlgpuDevices.CudaDevices);
        if (IlgpuDevices.CudaProblem is { } problem)
        {
            devices.Add(new DeviceInfo(0, CudaName, "CUDA driver found but unusable", "none", 0, problem));
        }
        devices.Add(new DeviceInfo(0, CpuName, IlgpuDevices.CpuDescription, "cpu", 0));
        return devices;
    }

    /// <summary>
    /// A backend on ILGPU's CPU accelerator. By default it is shaped for speed there (4 x 4 GEMM tiles, naive
    /// GEMM on Auto). <paramref name="gpuShaped"/> instead shapes it like an NVIDIA GPU (warps of 32, up to
    /// 1024 threads a group, the 16 x 16 tiles and the GEMM a GPU runs on Auto) with ILGPU's debug
    /// assertions and bounds checks on: slow, but it runs the kernels exactly as a GPU would launch them.
    /// An out-of-bounds access then aborts the process, so run it in a process of its own.
    /// </summary>
    public static IlgpuBackend CreateCpu(bool gpuShaped = false)
    {
        var context = gpuShaped ? IlgpuDevices.CreateGpuShapedCpuContext() : IlgpuDevices.CreateCpuContext();
        try
        {
            var accelerator = context.CreateCPUAccelerator(0);
            return gpuShaped
                ? new IlgpuBackend(context, accelerator, CpuName, IlgpuDevices.GpuShapedCpuDescription,
                    IlgpuLaunchShape.ForGpu(2 * IlgpuDevices.GpuShapedCpuDevice.WarpSize, IlgpuDevices.GpuShapedGemmDevice))
                : new IlgpuBackend(context, accelerator, CpuName, IlgpuDevices.CpuDescription, IlgpuLaunchShape.ForCpuAccelerator);
        }
        catch
        {
            context.Dispose();
            throw;
        }
    }

    /// <summary>A backend on CUDA device <paramref name="deviceIndex"/>, numbered as <see cref="ListDevices"/> lists them.</summary>
    /// <exception cref="DeviceUnavailableException">No CUDA device has that index, or it cannot be opened.</exception>
    public static IlgpuBackend CreateCuda(int deviceIndex)
    {
        var count = IlgpuDevices.CudaDevices.Count;
        if (count == 0)
        {
            throw new DeviceUnavailableException(IlgpuDevices.CudaProblem
                ?? "no CUDA device found: no NVIDIA driver library (libcuda.so.1 or libcuda.so) in LD_LIBRARY_PATH or the driver folders");
        }
        if (deviceIndex < 0 || deviceIndex >= count)
        {
            throw new DeviceUnavailableException($"CUDA device {deviceIndex} does not exist; devices are 0 to {count - 1}");
        }
        var context = IlgpuDevices.CreateCudaContext();
        try
        {
            var accelerator = context.CreateCudaAccelerator(deviceIndex);
            var description = $"{accelerator.Name}, {accelerator.MemorySize / (1024.0 * 1024 * 1024):F1} GiB";
            return new IlgpuBackend(context, accelerator, CudaName, description,
                IlgpuLaunchShape.ForGpu(accelerator.NumMultiprocessors * accelerator.MaxNumThreadsPerMultiprocessor,
                    GemmDevice.Gpu(accelerator.Name, accelerator.NumMultiprocessors)),
                FreeMemory(accelerator));
        }
        catch (Exception e) when (e is AcceleratorException or NotSupportedException)
        {
            context.Dispose();
            throw new DeviceUnavailableException($"cannot open CUDA device {deviceIndex}: {e.Message}", e);
        }
    }

    /// <summary>
    /// What the memory plan may count on: the device's free memory (cuMemGetInfo, with this backend's context current),
    /// since other processes and the driver hold part of the total; the total where the driver cannot say.
    /// </summary>
    private static MemoryCapacity FreeMemory(CudaAccelerator accelerator)
    {
        accelerator.Bind();
        return CudaAPI.CurrentAPI.GetMemoryInfo(out long free, out long total) == CudaError.CUDA_SUCCESS
            ? new MemoryCapacity(free, $"{accelerator.Name}'s free memory ({MemoryCapacity.Format(total)} in all)")
            : new MemoryCapacity(accelerator.MemorySize, $"{accelerator.Name}'s memory");
    }

    // ---------------------------------------------------------------- memory

    protected override DeviceBuffer<T> AllocateCore<T>(int length)
    {
        MemoryBuffer1D<T, Stride1D.Dense> memory;
        try
        {
            memory = accelerator.Allocate1D<T>(length);
        }
        catch (Exception e) when (e is AcceleratorException or OutOfMemoryException)
        {
            throw new DeviceUnavailableException(
                $"{Name} cannot allocate {length} {typeof(T).Name} elements: {e.Message}", e);
        }
        memory.View.MemSetToZero(stream);
        return new IlgpuBuffer<T>(this, memory);
    }

    // ILGPU's span copies synchronise the stream before they return, so the caller may reuse the span at once.
    protected override void UploadCore<T>(DeviceBuffer<T> destination, ReadOnlySpan<T> source, int offset)
    {
        if (source.Length > 0)
        {
            try
            {
                DenseView(destination).SubView(offset, source.Length).CopyFromCPU(stream, source);
            }
            catch (AcceleratorException error)
            {
                throw DeviceFailed("copy to the device", error);
            }
        }
    }

    // The copy is queued behind every op already on the stream, and waited for.
    protected override void DownloadCore<T>(DeviceBuffer<T> source, Span<T> destination, int offset)
    {
        try
        {
            if (destination.Length > 0)
            {
                DenseView(source).SubView(offset, destination.Length).CopyToCPU(stream, destination);
            }
            else
            {
                stream.Synchronize();
            }
        }
        catch (AcceleratorException error)
        {
            throw DeviceFailed("copy from the device", error);
        }
    }

    protected override void SynchronizeCore()
    {
        try
        {
            stream.Synchronize();
        }
        catch (AcceleratorException error)
        {
            throw DeviceFailed("finish its work", error);
        }
    }

    /// <summary>
    /// A device that fails while working (a CUDA error reported when the stream is waited for: an ECC error,
    /// a lost device) is the machine's failure, not a bug: exit 3 with the driver's words.
    /// </summary>
    private DeviceUnavailableException DeviceFailed(string what, AcceleratorException error) =>
        new($"{Name} device failed to {what} ({DeviceDescription}): {error.Message}", error);

    protected override void DisposeCore()
    {
        // The accelerator frees every buffer still allocated on it.
        accelerator.Dispose();
        context.Dispose();
    }

    /// <summary>Threads to launch for a grid-stride kernel over <paramref name="work"/> items (at least 1).</summary>
    private int Threads(long work) => (int)Math.Min(work, Shape.GridStrideThreads);

    // A view is a sub-view of its root: a struct computed per launch, nothing allocated.
    private static ArrayView<T> View<T>(DeviceBuffer<T> buffer) where T : unmanaged =>
        buffer.IsView ? ((IlgpuBuffer<T>)buffer.Root).View.SubView(buffer.Offset, buffer.Length) : ((IlgpuBuffer<T>)buffer).View;

    private static ArrayView1D<T, Stride1D.Dense> DenseView<T>(DeviceBuffer<T> buffer) where T : unmanaged =>
        ((IlgpuBuffer<T>)buffer.Root).DenseView.SubView(buffer.Offset, buffer.Length);
}
