namespace Descent.Kernels;

/// <summary>
/// A backend that stands in for another (<see cref="Device"/>) and reports that device's name, description, buffer
/// limits, memory, view alignment and GEMM kernels as its own, so the engine sizes and validates a run on it exactly as
/// on the device. What it does with the ops is the subclass's: count them (<see cref="Planning.CountingBackend"/>) or
/// run and time them on the device (<see cref="Profiling.ProfilingBackend"/>).
/// </summary>
public abstract class StandInBackend : ComputeBackend
{
    /// <param name="device">The backend stood in for; it stays the caller's to dispose.</param>
    protected StandInBackend(ComputeBackend device)
    {
        ArgumentNullException.ThrowIfNull(device);
        Device = device;
    }

    /// <summary>The backend stood in for.</summary>
    public ComputeBackend Device { get; }

    public override string Name => Device.Name;

    public override string DeviceDescription => Device.DeviceDescription;

    public override long MaxBufferBytes => Device.MaxBufferBytes;

    public override int MaxBufferElements => Device.MaxBufferElements;

    public override MemoryCapacity Memory => Device.Memory;

    public override int ViewAlignment => Device.ViewAlignment;

    public override IReadOnlyList<GemmAlgorithm> GemmAlgorithms => Device.GemmAlgorithms;
}
