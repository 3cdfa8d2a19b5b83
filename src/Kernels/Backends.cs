using Descent.Kernels.Cpu;
using Descent.Kernels.Ilgpu;
using Descent.Kernels.Reference;
using Descent.Kernels.Vulkan;

namespace Descent.Kernels;

/// <summary>
/// Creates backends by the names the command line uses and lists the devices behind them.
/// "auto" picks the fastest backend present: a CUDA GPU, else a real Vulkan GPU (never a software
/// Vulkan device such as lavapipe), else the SIMD CPU backend. ILGPU's CPU accelerator, a hundred
/// times slower than `cpu`, runs only when asked for by name.
/// </summary>
public static class Backends
{
    public const string Auto = "auto";
    public const string CudaName = "cuda";
    public const string CpuName = "cpu";
    public const string IlgpuCpuName = "ilgpu-cpu";
    public const string ReferenceName = "reference";
    public const string VulkanName = "vulkan";

    /// <summary>Every name <see cref="Create"/> accepts, "auto" first.</summary>
    public static IReadOnlyList<string> Names { get; } = [Auto, CudaName, VulkanName, CpuName, IlgpuCpuName, ReferenceName];

    /// <param name="notice">
    /// Told, in one line, when "auto" passes over a backend whose driver was found but cannot be used
    /// (a CUDA driver that will not load, say), so that falling back is never silent.
    /// </param>
    public static ComputeBackend Create(string name, int deviceIndex = 0, Action<string>? notice = null)
    {
        if (deviceIndex < 0)
        {
            throw new InvalidInputException($"--device must be 0 or more, got {deviceIndex}");
        }
        var backend = CreateByName(name, deviceIndex);
        if (name == Auto && backend.Name != CudaName && IlgpuDevices.CudaProblem is { } problem)
        {
            notice?.Invoke($"auto: not using CUDA ({problem}); falling back to {backend.Name}");
        }
        return backend;
    }

    /// <summary>
    /// The device a process takes when it was not told one, given its index among the processes on its machine
    /// (<paramref name="localRank"/>, 0 for a lone process): its own GPU, so that N processes share N GPUs; the one device of
    /// a backend that has one.
    /// </summary>
    public static int DefaultDevice(string name, int localRank) => name switch
    {
        _ when localRank == 0 => 0,
        CudaName or VulkanName => localRank,
        Auto when IlgpuBackend.CudaAvailable || VulkanBackend.IsHardwareDevice(localRank) => localRank,
        _ => 0,
    };

    private static ComputeBackend CreateByName(string name, int deviceIndex) =>
        name switch
        {
            Auto when IlgpuBackend.CudaAvailable => IlgpuBackend.CreateCuda(deviceIndex),
            Auto when VulkanBackend.IsHardwareDevice(deviceIndex) => VulkanBackend.Create(deviceIndex),
            Auto or CpuName => OnlyDevice(name, deviceIndex, () => new CpuBackend()),
            IlgpuCpuName => OnlyDevice(name, deviceIndex, () => IlgpuBackend.CreateCpu()),
            CudaName => IlgpuBackend.CreateCuda(deviceIndex),
            VulkanName => VulkanBackend.Create(deviceIndex),
            ReferenceName => OnlyDevice(name, deviceIndex, () => new ReferenceBackend()),
            _ => throw new InvalidInputException($"unknown backend '{name}'; choose one of {string.Join(", ", Names)}"),
        };

    /// <summary>
    /// The backends present here that run at hardware speed, in the order `auto` prefers them: CUDA
    /// and a real Vulkan GPU where found, then `cpu`. ILGPU's CPU accelerator, the reference and a
    /// software Vulkan device (lavapipe) are left out: they take minutes where these take seconds.
    /// </summary>
    public static IReadOnlyList<string> FastPresent()
    {
        var names = new List<string>();
        if (IlgpuBackend.CudaAvailable)
        {
            names.Add(CudaName);
        }
        if (VulkanBackend.IsHardwareDevice(0))
        {
            names.Add(VulkanName);
        }
        names.Add(CpuName);
        return names;
    }

    /// <summary>Every device every backend can see, for `descent devices`.</summary>
    public static IReadOnlyList<DeviceInfo> ListDevices() =>
    [
        .. IlgpuBackend.ListDevices(),
        .. VulkanBackend.ListDevices(),
        new DeviceInfo(0, CpuName, CpuBackend.ProcessorName(), "cpu", 0),
        new DeviceInfo(0, ReferenceName, "CPU reference (double accumulation, single thread)", "cpu", 0),
    ];

    private static ComputeBackend OnlyDevice(string name, int deviceIndex, Func<ComputeBackend> create) =>
        deviceIndex == 0
            ? create()
            : throw new DeviceUnavailableException($"backend '{name}' has one device (index 0); --device {deviceIndex} does not exist");
}
