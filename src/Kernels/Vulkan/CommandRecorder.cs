using Silk.NET.Vulkan;

namespace Descent.Kernels.Vulkan;

/// <summary>
/// Records queued ops into command buffers and submits them in batches of at most
/// <see cref="CommandsPerSubmission"/> commands, each as soon as it is full, without waiting; the host
/// waits once, in <see cref="Finish"/>, when someone needs the results. A whole epoch is one host wait,
/// yet no submission runs long: on AMD's graphics queue the kernel driver resets a job that runs 10 s,
/// and Windows declares a GPU hung after 2 s. The command buffers come from a small ring; one is reused
/// once its fence has signalled, so the host waits mid-epoch only when it records a whole ring ahead of
/// the device.
/// <para>
/// Barriers: the recorder remembers which buffers the commands since the last barrier read and wrote,
/// across submissions; a dispatch writes the buffers at its shader's bindings not declared readonly. A
/// command that reads or writes a buffer written since then (read-after-write, write-after-write), or
/// writes one read since then (write-after-read), is preceded by one global memory barrier covering
/// compute and transfer work; independent commands (a layer's GEMM and the next layer's unrelated fill,
/// the updates of different parameters) run without one. A barrier's first scope is every command
/// earlier in submission order on the queue, earlier submissions included, so a barrier recorded at the
/// start of a command buffer orders it after the commands of the one before: a submission boundary
/// needs nothing more. Each command buffer ends with a barrier that makes its writes visible to the
/// host, which reads mapped memory after the fence.
/// </para>
/// </summary>
internal sealed unsafe partial class CommandRecorder : IDisposable
{
    /// <summary>
    /// A step of a small model is 20-40 dispatches, each microseconds to a few milliseconds on a GPU, so
    /// 256 keeps a submission far below any watchdog while submitting rarely enough not to cost.
    /// </summary>
    public const int DefaultCommandsPerSubmission = 256;

    // Three submissions can wait on the queue while the host records the fourth.
    private const int RingSize = 4;

    private const PipelineStageFlags DeviceStages = PipelineStageFlags.ComputeShaderBit | PipelineStageFlags.TransferBit;
    private const AccessFlags DeviceWrites = AccessFlags.ShaderWriteBit | AccessFlags.TransferWriteBit;
    private const AccessFlags DeviceAccess = DeviceWrites | AccessFlags.ShaderReadBit | AccessFlags.TransferReadBit;

    private readonly Vk vk;
    private readonly VulkanDevice device;
    private readonly CommandPool pool;
    private readonly CommandBuffer[] ring = new CommandBuffer[RingSize];
    private readonly Fence[] fences = new Fence[RingSize];
    private readonly bool[] inFlight = new bool[RingSize];
    private readonly HashSet<long> writtenSinceBarrier = [];
    private readonly HashSet<long> readSinceBarrier = [];
    private int current;
    private int inFlightCount;
    private int commandsInCurrent;
    private Pipeline boundPipeline;
    private bool recording;

    public CommandRecorder(Vk vk, VulkanDevice device)
    {
        this.vk = vk;
        this.device = device;
        var poolInfo = new CommandPoolCreateInfo
        {
            SType = StructureType.CommandPoolCreateInfo,
            Flags = CommandPoolCreateFlags.ResetCommandBufferBit,
            QueueFamilyIndex = device.Physical.ComputeQueueFamily,
        };
        VulkanCalls.Check(vk.CreateCommandPool(device.Handle, in poolInfo, null, out pool), "create a command pool");
        var allocateInfo = new CommandBufferAllocateInfo
        {
            SType = StructureType.CommandBufferAllocateInfo,
            CommandPool = pool,
            Level = CommandBufferLevel.Primary,
            CommandBufferCount = RingSize,
        };
        fixed (CommandBuffer* buffers = ring)
        {
            VulkanCalls.Check(vk.AllocateCommandBuffers(device.Handle, in allocateInfo, buffers), "allocate command buffers");
        }
        var fenceInfo = new FenceCreateInfo { SType = StructureType.FenceCreateInfo };
        for (var i = 0; i < RingSize; i++)
        {
            VulkanCalls.Check(vk.CreateFence(device.Handle, in fenceInfo, null, out fences[i]), "create a fence");
        }
    }

    /// <summary>True while commands are recorded or submitted but not yet waited for; when false the device is idle.</summary>
    public bool HasPendingWork => recording || inFlightCount > 0;

    /// <summary>Commands recorded since the last <see cref="Finish"/>, in however many submissions.</summary>
    public int RecordedCommands { get; private set; }

    /// <summary>The most commands one submission carries; settable so tests can force many submissions.</summary>
    public int CommandsPerSubmission
    {
        get;
        set => field = value > 0 ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "must be positive");
    } = DefaultCommandsPerSubmission;

    /// <summary>vkQueueSubmit calls so far.</summary>
    public int Submissions { get; private set; }

    /// <summary>Waits for all submitted work (<see cref="Finish"/> with work pending) so far.</summary>
    public int HostWaits { get; private set; }

    /// <summary>Waits for one older submission so as to reuse its command buffer, so far.</summary>
    public int RecycleWaits { get; private set; }

    /// <summary>vkCmdDispatch calls recorded so far: what a fused op saves shows here.</summary>
    public long Dispatches { get; private set; }

    /// <summary>
    /// Records one dispatch of <paramref name="pipeline"/> over <paramref name="buffers"/> (binding 0 first),
    /// in call order; <paramref name="writtenBindings"/> has bit i set where binding i may be written
    /// (<see cref="Shader.WrittenBindings"/>), and <paramref name="push"/> is the shader's whole
    /// push-constant block (<see cref="Shader.CheckDispatch{TPush}"/>).
    /// </summary>
    public void Dispatch<TPush>(ComputePipeline pipeline, DescriptorSet set, ReadOnlySpan<BufferRegion> buffers, uint writtenBindings,
        in TPush push, uint groupsX, uint groupsY = 1, uint groupsZ = 1) where TPush : unmanaged
    {
        var commands = Begin();
        OrderAfterEarlierCommands(commands, buffers, writtenBindings);
        if (boundPipeline.Handle != pipeline.Handle.Handle)
        {
            vk.CmdBindPipeline(commands, PipelineBindPoint.Compute, pipeline.Handle);
            boundPipeline = pipeline.Handle;
        }
        vk.CmdBindDescriptorSets(commands, PipelineBindPoint.Compute, pipeline.Layout, 0, 1, &set, 0, null);
        fixed (TPush* data = &push)
        {
            vk.CmdPushConstants(commands, pipeline.Layout, ShaderStageFlags.ComputeBit, 0, (uint)sizeof(TPush), data);
        }
        vk.CmdDispatch(commands, groupsX, groupsY, groupsZ);
        Dispatches++;
        Recorded();
    }

    /// <summary>Records filling all of <paramref name="allocation"/> with zero bytes.</summary>
    public void Clear(VulkanAllocation allocation)
    {
        var commands = Begin();
        OrderAfterEarlierCommands(commands, [new BufferRegion(allocation, 0, allocation.Bytes)], written: 0b1);
        vk.CmdFillBuffer(commands, allocation.Buffer, 0, Vk.WholeSize, 0);
        Recorded();
    }

    /// <summary>Records a copy of <paramref name="bytes"/> bytes between two buffers.</summary>
    public void Copy(VulkanAllocation source, ulong sourceOffset, VulkanAllocation destination, ulong destinationOffset, ulong bytes)
    {
        var commands = Begin();
        OrderAfterEarlierCommands(commands, [new BufferRegion(source, sourceOffset, bytes), new BufferRegion(destination, destinationOffset, bytes)],
            written: 0b10);
        var region = new BufferCopy { SrcOffset = sourceOffset, DstOffset = destinationOffset, Size = bytes };
        vk.CmdCopyBuffer(commands, source.Buffer, destination.Buffer, 1, &region);
        Recorded();
    }

    /// <summary>Submits what is still recorded and waits, in one call, for every submission not yet waited for.</summary>
    public void Finish()
    {
        if (recording)
        {
            Submit();
        }
        if (inFlightCount == 0)
        {
            return;
        }
        var waiting = stackalloc Fence[RingSize];
        var count = 0;
        for (var i = 0; i < RingSize; i++)
        {
            if (inFlight[i])
            {
                waiting[count++] = fences[i];
                inFlight[i] = false;
            }
        }
        WaitForFences((uint)count, waiting);
        VulkanCalls.Check(vk.ResetFences(device.Handle, (uint)count, waiting), "reset fences");
        HostWaits++;
        inFlightCount = 0;
        writtenSinceBarrier.Clear();
        readSinceBarrier.Clear();
        RecordedCommands = 0;
    }

    /// <summary>
    /// How long a wait for submitted work may take before the device counts as hung: far beyond any one submission
    /// (a submission is closed after a bounded number of commands), and well inside the time limits a GPU machine puts
    /// on a whole run, so a hang ends as one line and exit 3 instead of a process that waits forever.
    /// </summary>
    internal static readonly TimeSpan FenceTimeout = TimeSpan.FromSeconds(120);

    private void WaitForFences(uint count, Fence* waiting)
    {
        var result = vk.WaitForFences(device.Handle, count, waiting, true, (ulong)FenceTimeout.Ticks * 100);
        if (result == Result.Timeout)
        {
            throw new DeviceUnavailableException(
                $"the Vulkan device did not finish its work within {FenceTimeout.TotalSeconds:0} s: it is hung or lost; check the driver (dmesg) and run again");
        }
        VulkanCalls.Check(result, "wait for the device");
    }

    public void Dispose()
    {
        foreach (var fence in fences)
        {
            vk.DestroyFence(device.Handle, fence, null);
        }
        vk.DestroyCommandPool(device.Handle, pool, null);
    }

    /// <summary>The command buffer being recorded, starting the next one of the ring (once its last submission has completed) if none is.</summary>
    private CommandBuffer Begin()
    {
        var commands = ring[current];
        if (recording)
        {
            return commands;
        }
        if (inFlight[current])
        {
            var fence = fences[current];
            WaitForFences(1, &fence);
            VulkanCalls.Check(vk.ResetFences(device.Handle, 1, &fence), "reset a fence");
            inFlight[current] = false;
            inFlightCount--;
            RecycleWaits++;
        }
        var info = new CommandBufferBeginInfo
        {
            SType = StructureType.CommandBufferBeginInfo,
            Flags = CommandBufferUsageFlags.OneTimeSubmitBit,
        };
        // Beginning resets the buffer: its pool allows that per buffer (ResetCommandBufferBit).
        VulkanCalls.Check(vk.BeginCommandBuffer(commands, in info), "start recording commands");
        recording = true;
        boundPipeline = default;
        commandsInCurrent = 0;
        return commands;
    }

    private void Recorded()
    {
        RecordedCommands++;
        if (++commandsInCurrent >= CommandsPerSubmission)
        {
            Submit();
        }
    }

    /// <summary>Ends the command buffer being recorded with a barrier to the host, submits it with its fence, and moves to the next of the ring.</summary>
    private void Submit()
    {
        var commands = ring[current];
        var toHost = new MemoryBarrier
        {
            SType = StructureType.MemoryBarrier,
            SrcAccessMask = DeviceWrites,
            DstAccessMask = AccessFlags.HostReadBit,
        };
        vk.CmdPipelineBarrier(commands, DeviceStages, PipelineStageFlags.HostBit, 0, 1, &toHost, 0, null, 0, null);
        VulkanCalls.Check(vk.EndCommandBuffer(commands), "finish recording commands");
        var submit = new SubmitInfo
        {
            SType = StructureType.SubmitInfo,
            CommandBufferCount = 1,
            PCommandBuffers = &commands,
        };
        VulkanCalls.Check(vk.QueueSubmit(device.Queue, 1, &submit, fences[current]), "submit commands");
        Submissions++;
        recording = false;
        inFlight[current] = true;
        inFlightCount++;
        current = (current + 1) % RingSize;
    }

    /// <param name="written">Bit i set when the command writes <paramref name="buffers"/>[i]; it reads the others.</param>
    private void OrderAfterEarlierCommands(CommandBuffer commands, ReadOnlySpan<BufferRegion> buffers, uint written)
    {
        var hazard = false;
        for (var i = 0; i < buffers.Length; i++)
        {
            var id = buffers[i].Allocation.Id;
            hazard |= writtenSinceBarrier.Contains(id) || (Writes(written, i) && readSinceBarrier.Contains(id));
        }
        if (hazard)
        {
            var barrier = new MemoryBarrier
            {
                SType = StructureType.MemoryBarrier,
                SrcAccessMask = DeviceWrites,
                DstAccessMask = DeviceAccess,
            };
            vk.CmdPipelineBarrier(commands, DeviceStages, DeviceStages, 0, 1, &barrier, 0, null, 0, null);
            writtenSinceBarrier.Clear();
            readSinceBarrier.Clear();
        }
        for (var i = 0; i < buffers.Length; i++)
        {
            (Writes(written, i) ? writtenSinceBarrier : readSinceBarrier).Add(buffers[i].Allocation.Id);
        }
    }

    private static bool Writes(uint written, int index) => (written & (1u << index)) != 0;
}
