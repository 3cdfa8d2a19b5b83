using System.Runtime.InteropServices;

namespace Descent.Kernels.Vulkan;

/// <summary>
/// A <see cref="ComputeBackend"/> on Vulkan compute ("vulkan"): any GPU with a Vulkan driver, and any CPU
/// through Mesa's lavapipe. Every op is a GLSL shader from shaders/, compiled to SPIR-V ahead of time and
/// embedded in this assembly. Ops are recorded into command buffers (<see cref="CommandRecorder"/>), submitted
/// in bounded batches as they fill, and waited for once, when someone needs the results:
/// <see cref="ComputeBackend.Download{T}"/> or <see cref="ComputeBackend.Synchronize"/>. Buffers live where
/// <see cref="MemoryPlacement"/> puts them. Uploads are recorded in the same order as ops (through the
/// <see cref="StagingArea"/>), unless the device is idle and the buffer is mapped, when they are plain
/// copies into mapped memory; downloads of a buffer that is not mapped go through the staging area too.
/// </summary>
public sealed unsafe partial class VulkanBackend : ComputeBackend
{
    /// <summary>Set to 1 to run with the Khronos validation layer, its messages printed to stderr.</summary>
    public const string ValidationVariable = "DESCENT_VULKAN_VALIDATION";

    private readonly VulkanInstance instance;
    private readonly VulkanDevice device;
    private readonly VulkanMemory memory;
    private readonly PipelineCache pipelines;
    private readonly DescriptorSetCache descriptorSets;
    private readonly CommandRecorder recorder;
    private readonly StagingArea staging;
    private readonly HashSet<VulkanAllocation> liveAllocations = [];
    private DispatchShape shape;
    private bool disposed;

    private VulkanBackend(VulkanInstance instance, VulkanDevice device, bool mapDeviceMemory)
    {
        this.instance = instance;
        this.device = device;
        var vk = instance.Vk;
        memory = new VulkanMemory(vk, device, mapDeviceMemory);
        pipelines = new PipelineCache(vk, device);
        descriptorSets = new DescriptorSetCache(vk, device);
        recorder = new CommandRecorder(vk, device);
        staging = new StagingArea(memory, recorder);
        shape = DispatchShape.For(device.Physical);
        var physical = device.Physical;
        DeviceDescription = $"{physical.Name} ({physical.Kind}, Vulkan), {physical.MemoryBytes / (1024.0 * 1024 * 1024):F1} GiB";
    }

    public override string Name => Backends.VulkanName;

    public override IReadOnlyList<GemmAlgorithm> GemmAlgorithms { get; } = [GemmAlgorithm.Naive, GemmAlgorithm.RegisterBlocks, GemmAlgorithm.SharedMemoryRegisterBlocks];

    public override string DeviceDescription { get; }

    public override long MaxBufferBytes => (long)memory.MaxStorageBufferBytes;

    /// <summary>A GPU's device-local heaps; a device on the processor (lavapipe) takes the machine's memory.</summary>
    public override MemoryCapacity Memory => device.Physical.IsSoftware
        ? MemoryCapacity.Host()
        : device.Physical.FreeDeviceLocalBytes(instance.Vk) is { } free
            ? new MemoryCapacity(free, $"{device.Physical.Name}'s free device-local memory (VK_EXT_memory_budget)")
            : new MemoryCapacity(device.Physical.MemoryBytes, $"{device.Physical.Name}'s device-local memory");

    /// <summary>A view binds at its offset, which must be a multiple of minStorageBufferOffsetAlignment (1 to 256 bytes).</summary>
    public override int ViewAlignment => Math.Max(base.ViewAlignment, (int)(device.Physical.Limits.MinStorageBufferOffsetAlignment / sizeof(float)));

    /// <summary>What the validation layer reported so far (warnings and errors); empty when validation is off.</summary>
    public IReadOnlyList<string> ValidationMessages => instance.ValidationMessages;

    /// <summary>Ops recorded since the last wait, in however many submissions.</summary>
    public int PendingCommands => recorder.RecordedCommands;

    /// <summary>The most commands one vkQueueSubmit carries (<see cref="CommandRecorder.DefaultCommandsPerSubmission"/>); tests lower it.</summary>
    internal int CommandsPerSubmission
    {
        get => recorder.CommandsPerSubmission;
        set => recorder.CommandsPerSubmission = value;
    }

    /// <summary>Compute dispatches recorded so far, for the tests that hold each op to its count.</summary>
    internal long Dispatches => recorder.Dispatches;

    /// <summary>
    /// Lowers the device's maxComputeWorkGroupCount as the ops see it, so tests reach the split of a large
    /// grid into several dispatches with small matrices.
    /// </summary>
    internal void LimitWorkGroupCounts(uint maxGroupsX, uint maxGroupsY) =>
        shape = shape with { MaxGroupsX = maxGroupsX, MaxGroupsY = maxGroupsY };

    /// <summary>
    /// Makes <see cref="GemmAlgorithm.Auto"/> mean <paramref name="algorithm"/>, so tests run the GEMM a GPU would
    /// choose (shared memory) inside the ops built on it, convolutions, on lavapipe.
    /// </summary>
    internal void UseAutoGemm(GemmAlgorithm algorithm) => shape = shape with { AutoGemm = algorithm };

    /// <summary>vkQueueSubmit calls so far.</summary>
    internal int Submissions => recorder.Submissions;

    /// <summary>Times the host waited for all submitted work (a download, a synchronize) so far.</summary>
    internal int HostWaits => recorder.HostWaits;

    /// <summary>Times the host waited for an older submission to reuse its command buffer, so far.</summary>
    internal int RecycleWaits => recorder.RecycleWaits;

    /// <summary>
    /// A backend on device <paramref name="deviceIndex"/> as <see cref="ListDevices"/> numbers them (0 is the
    /// preferred one: a discrete GPU, else integrated, else a CPU device such as lavapipe). With
    /// <paramref name="validate"/> (as the tests ask), the Khronos validation layer checks every call and
    /// <see cref="ValidationMessages"/> collects what it reports; DESCENT_VULKAN_VALIDATION=1 does the same
    /// for any run and prints each message to stderr as well.
    /// </summary>
    /// <exception cref="DeviceUnavailableException">No loader, no device with that index, or it cannot be opened.</exception>
    public static VulkanBackend Create(int deviceIndex = 0, bool validate = false) => Create(deviceIndex, validate, mapDeviceMemory: true);

    /// <summary>
    /// As <see cref="Create(int, bool)"/>; without <paramref name="mapDeviceMemory"/> every upload and download
    /// goes through a staging buffer even where device memory is host-visible, which is how the tests run
    /// the path of a discrete GPU on lavapipe.
    /// </summary>
    internal static VulkanBackend Create(int deviceIndex, bool validate, bool mapDeviceMemory)
    {
        var validation = Environment.GetEnvironmentVariable(ValidationVariable) == "1" ? ValidationMode.CollectAndPrint
            : validate ? ValidationMode.Collect
            : ValidationMode.Off;
        var instance = VulkanInstance.Create(validation);
        try
        {
            var devices = instance.Devices;
            if (devices.Count == 0)
            {
                throw new DeviceUnavailableException(
                    "no Vulkan device can run compute: install your GPU's Vulkan driver, or mesa-vulkan-drivers for the CPU (lavapipe)");
            }
            if (deviceIndex < 0 || deviceIndex >= devices.Count)
            {
                throw new DeviceUnavailableException(
                    $"Vulkan device {deviceIndex} does not exist; devices are 0 to {devices.Count - 1} (see `descent devices`)");
            }
            var device = VulkanDevice.Open(instance.Vk, devices[deviceIndex]);
            try
            {
                return new VulkanBackend(instance, device, mapDeviceMemory);
            }
            catch
            {
                device.Dispose();
                throw;
            }
        }
        catch
        {
            instance.Dispose();
            throw;
        }
    }

    /// <summary>The Vulkan devices that run compute, in preference order; none (never an exception) without a loader or driver.</summary>
    public static IReadOnlyList<DeviceInfo> ListDevices() => VulkanDevices.Found;

    /// <summary>True when device <paramref name="deviceIndex"/> exists and is a real GPU, not a software device: what `auto` may pick.</summary>
    public static bool IsHardwareDevice(int deviceIndex) =>
        deviceIndex < VulkanDevices.Found.Count && VulkanDevices.Found[deviceIndex].Kind != "cpu";

    // ---------------------------------------------------------------- memory

    protected override DeviceBuffer<T> AllocateCore<T>(int length)
    {
        var allocation = memory.CreateStorage((long)length * sizeof(T));
        liveAllocations.Add(allocation);
        // A new buffer is in no recorded command yet, so a mapped one may be cleared right away.
        if (allocation.Mapped != null)
        {
            NativeMemory.Clear(allocation.Mapped, (nuint)allocation.Bytes);
        }
        else
        {
            recorder.Clear(allocation);
        }
        return new VulkanBuffer<T>(this, length, allocation);
    }

    protected override void UploadCore<T>(DeviceBuffer<T> destination, ReadOnlySpan<T> source, int offset)
    {
        if (source.Length == 0)
        {
            return;
        }
        var region = Allocation(destination);
        var target = region.Allocation;
        var bytes = MemoryMarshal.AsBytes(source);
        var targetOffset = region.Offset + (ulong)offset * (ulong)sizeof(T);
        if (!recorder.HasPendingWork && target.Mapped != null)
        {
            bytes.CopyTo(new Span<byte>((byte*)target.Mapped + targetOffset, bytes.Length));
            return;
        }
        for (var done = 0; done < bytes.Length;)
        {
            var piece = bytes.Slice(done, (int)Math.Min((ulong)(bytes.Length - done), StagingArea.MaxBytes));
            var space = staging.Reserve((ulong)piece.Length);
            piece.CopyTo(new Span<byte>(space.Mapped, piece.Length));
            recorder.Copy(space.Buffer, space.Offset, target, targetOffset + (ulong)done, (ulong)piece.Length);
            done += piece.Length;
        }
    }

    protected override void DownloadCore<T>(DeviceBuffer<T> source, Span<T> destination, int offset)
    {
        var region = Allocation(source);
        var origin = region.Allocation;
        var bytes = MemoryMarshal.AsBytes(destination);
        var sourceOffset = region.Offset + (ulong)offset * (ulong)sizeof(T);
        if (bytes.Length == 0 || origin.Mapped != null)
        {
            WaitForDevice();
            new ReadOnlySpan<byte>((byte*)origin.Mapped + sourceOffset, bytes.Length).CopyTo(bytes);
            return;
        }
        for (var done = 0; done < bytes.Length;)
        {
            var piece = bytes.Slice(done, (int)Math.Min((ulong)(bytes.Length - done), StagingArea.MaxBytes));
            var space = staging.Reserve((ulong)piece.Length);
            recorder.Copy(origin, sourceOffset + (ulong)done, space.Buffer, space.Offset, (ulong)piece.Length);
            WaitForDevice();
            new ReadOnlySpan<byte>(space.Mapped, piece.Length).CopyTo(piece);
            done += piece.Length;
        }
    }

    protected override void SynchronizeCore() => WaitForDevice();

    /// <summary>Waits for everything recorded; with the device idle, buffers kept only for pending commands can go.</summary>
    private void WaitForDevice()
    {
        recorder.Finish();
        FreeRetiredScratch();
    }

    /// <summary>Frees a buffer's memory, first finishing any recorded command that may use it.</summary>
    internal void Free(VulkanAllocation allocation)
    {
        if (disposed || !liveAllocations.Remove(allocation))
        {
            return;
        }
        recorder.Finish();
        descriptorSets.Forget(allocation);
        memory.Free(allocation);
    }

    protected override void DisposeCore()
    {
        disposed = true;
        try
        {
            recorder.Finish();
        }
        finally
        {
            instance.Vk.DeviceWaitIdle(device.Handle);
            foreach (var allocation in liveAllocations)
            {
                memory.Free(allocation);
            }
            liveAllocations.Clear();
            staging.Dispose();
            descriptorSets.Dispose();
            pipelines.Dispose();
            recorder.Dispose();
            device.Dispose();
            instance.Dispose();
        }
    }

    /// <summary>Where a buffer's bytes lie: its root's allocation, from the view's offset.</summary>
    private static BufferRegion Allocation<T>(DeviceBuffer<T> buffer) where T : unmanaged =>
        new(((VulkanBuffer<T>)buffer.Root).Allocation, (ulong)buffer.Offset * (ulong)sizeof(T), (ulong)buffer.Length * (ulong)sizeof(T));
}
