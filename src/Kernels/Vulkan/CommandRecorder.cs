using Silk.NET.Vulkan;

namespace Descent.Kernels.Vulkan;

/// <summary>
/// Records every queued op into one command buffer and submits it only when someone waits
/// (<see cref="Finish"/>): a training step, or a whole epoch of them, is one submission and one fence
/// wait, not one per op.
/// <para>
/// Barriers: the recorder remembers which buffers the commands since the last barrier read and wrote.
/// A command that reads or writes a buffer written since then (read-after-write, write-after-write), or
/// writes one read since then (write-after-read), is preceded by one global memory barrier covering
/// compute and transfer work; independent commands (a layer's GEMM and the next layer's unrelated
/// fill, the updates of different parameters) run without one. Before submission a last barrier makes
/// all writes visible to the host, which reads mapped memory after the fence.
/// </para>
/// </summary>
internal sealed unsafe class CommandRecorder : IDisposable
{
    private const PipelineStageFlags DeviceStages = PipelineStageFlags.ComputeShaderBit | PipelineStageFlags.TransferBit;
    private const AccessFlags DeviceWrites = AccessFlags.ShaderWriteBit | AccessFlags.TransferWriteBit;
    private const AccessFlags DeviceAccess = DeviceWrites | AccessFlags.ShaderReadBit | AccessFlags.TransferReadBit;

    private readonly Vk vk;
    private readonly VulkanDevice device;
    private readonly CommandPool pool;
    private readonly CommandBuffer commands;
    private readonly Fence fence;
    private readonly HashSet<long> writtenSinceBarrier = [];
    private readonly HashSet<long> readSinceBarrier = [];
    private readonly List<Action> afterCompletion = [];
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
            CommandBufferCount = 1,
        };
        VulkanCalls.Check(vk.AllocateCommandBuffers(device.Handle, in allocateInfo, out commands), "allocate a command buffer");
        var fenceInfo = new FenceCreateInfo { SType = StructureType.FenceCreateInfo };
        VulkanCalls.Check(vk.CreateFence(device.Handle, in fenceInfo, null, out fence), "create a fence");
    }

    /// <summary>True while commands are recorded but not yet submitted; when false the device is idle.</summary>
    public bool HasPendingWork => recording;

    /// <summary>Commands recorded since the last <see cref="Finish"/>: what one submission carries.</summary>
    public int RecordedCommands { get; private set; }

    /// <summary>
    /// Records one dispatch of <paramref name="pipeline"/> over the bound buffers, in call order;
    /// <paramref name="push"/> is the shader's whole push-constant block (<see cref="Shader.CheckDispatch{TPush}"/>).
    /// </summary>
    public void Dispatch<TPush>(ComputePipeline pipeline, DescriptorSet set, ReadOnlySpan<BufferAccess> accesses, in TPush push,
        uint groupsX, uint groupsY = 1) where TPush : unmanaged
    {
        Begin();
        OrderAfterEarlierCommands(accesses);
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
        vk.CmdDispatch(commands, groupsX, groupsY, 1);
        RecordedCommands++;
    }

    /// <summary>Records filling all of <paramref name="allocation"/> with zero bytes.</summary>
    public void Clear(VulkanAllocation allocation)
    {
        Begin();
        OrderAfterEarlierCommands([BufferAccess.Write(new BufferRegion(allocation, 0, allocation.Bytes))]);
        vk.CmdFillBuffer(commands, allocation.Buffer, 0, Vk.WholeSize, 0);
        RecordedCommands++;
    }

    /// <summary>Records a copy of <paramref name="bytes"/> bytes between two buffers.</summary>
    public void Copy(VulkanAllocation source, ulong sourceOffset, VulkanAllocation destination, ulong destinationOffset, ulong bytes)
    {
        Begin();
        OrderAfterEarlierCommands([BufferAccess.Read(new BufferRegion(source, sourceOffset, bytes)),
            BufferAccess.Write(new BufferRegion(destination, destinationOffset, bytes))]);
        var region = new BufferCopy { SrcOffset = sourceOffset, DstOffset = destinationOffset, Size = bytes };
        vk.CmdCopyBuffer(commands, source.Buffer, destination.Buffer, 1, &region);
        RecordedCommands++;
    }

    /// <summary>Runs <paramref name="action"/> once the commands recorded so far have completed (to free what they use).</summary>
    public void AfterCompletion(Action action) => afterCompletion.Add(action);

    /// <summary>Submits everything recorded, waits for it, and readies the command buffer for the next batch.</summary>
    public void Finish()
    {
        if (!recording)
        {
            return;
        }
        var toHost = new MemoryBarrier
        {
            SType = StructureType.MemoryBarrier,
            SrcAccessMask = DeviceWrites,
            DstAccessMask = AccessFlags.HostReadBit,
        };
        vk.CmdPipelineBarrier(commands, DeviceStages, PipelineStageFlags.HostBit, 0, 1, &toHost, 0, null, 0, null);
        VulkanCalls.Check(vk.EndCommandBuffer(commands), "finish recording commands");
        recording = false;
        var buffer = commands;
        var submit = new SubmitInfo
        {
            SType = StructureType.SubmitInfo,
            CommandBufferCount = 1,
            PCommandBuffers = &buffer,
        };
        VulkanCalls.Check(vk.QueueSubmit(device.Queue, 1, &submit, fence), "submit commands");
        var waitFence = fence;
        VulkanCalls.Check(vk.WaitForFences(device.Handle, 1, &waitFence, true, ulong.MaxValue), "wait for the device");
        VulkanCalls.Check(vk.ResetFences(device.Handle, 1, &waitFence), "reset a fence");
        VulkanCalls.Check(vk.ResetCommandBuffer(commands, 0), "reset the command buffer");
        writtenSinceBarrier.Clear();
        readSinceBarrier.Clear();
        RecordedCommands = 0;
        foreach (var action in afterCompletion)
        {
            action();
        }
        afterCompletion.Clear();
    }

    public void Dispose()
    {
        vk.DestroyFence(device.Handle, fence, null);
        vk.DestroyCommandPool(device.Handle, pool, null);
    }

    private void Begin()
    {
        if (recording)
        {
            return;
        }
        var info = new CommandBufferBeginInfo
        {
            SType = StructureType.CommandBufferBeginInfo,
            Flags = CommandBufferUsageFlags.OneTimeSubmitBit,
        };
        VulkanCalls.Check(vk.BeginCommandBuffer(commands, in info), "start recording commands");
        recording = true;
        boundPipeline = default;
    }

    private void OrderAfterEarlierCommands(ReadOnlySpan<BufferAccess> accesses)
    {
        var hazard = false;
        foreach (var access in accesses)
        {
            var id = access.Allocation.Id;
            hazard |= writtenSinceBarrier.Contains(id) || (access.Writes && readSinceBarrier.Contains(id));
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
        foreach (var access in accesses)
        {
            (access.Writes ? writtenSinceBarrier : readSinceBarrier).Add(access.Allocation.Id);
        }
    }
}
