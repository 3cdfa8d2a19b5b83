using Silk.NET.Vulkan;

namespace Descent.Kernels.Vulkan;

internal sealed unsafe partial class CommandRecorder
{
    /// <summary>
    /// Records a timestamp into <paramref name="query"/> of <paramref name="pool"/>, written once every command recorded
    /// before it has completed (bottom of the pipe); the query is reset just before, in the same command buffer, so a
    /// pool is reused without a host reset. Not a command: it neither counts toward a submission nor needs a barrier.
    /// </summary>
    public void WriteTimestamp(QueryPool pool, uint query)
    {
        var commands = Begin();
        vk.CmdResetQueryPool(commands, pool, query, 1);
        vk.CmdWriteTimestamp(commands, PipelineStageFlags.BottomOfPipeBit, pool, query);
    }
}
