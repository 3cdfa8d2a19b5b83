namespace Descent.Kernels;

/// <summary>One device a backend found: what `descent devices` prints and `--device N` selects.</summary>
/// <param name="Index">Position within its backend, as `--device` takes it.</param>
/// <param name="Backend">Backend name as the command line spells it ("cuda", "vulkan", "ilgpu-cpu", ...).</param>
/// <param name="Name">The device's own name.</param>
/// <param name="Kind">"gpu" or "cpu"; Vulkan devices say "discrete-gpu", "integrated-gpu", "virtual-gpu", "cpu" or "other".</param>
/// <param name="MemoryBytes">Device memory in bytes; 0 where the device does not say.</param>
/// <param name="Problem">Why a backend's driver was found but cannot be used (then there is no device to select); null for a device.</param>
public sealed record DeviceInfo(int Index, string Backend, string Name, string Kind, long MemoryBytes, string? Problem = null);
