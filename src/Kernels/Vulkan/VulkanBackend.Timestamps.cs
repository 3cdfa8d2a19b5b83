using Descent.Kernels.Profiling;
using Silk.NET.Vulkan;

namespace Descent.Kernels.Vulkan;

public sealed partial class VulkanBackend
{
    /// <summary>
    /// Timestamp queries recorded between the ops, where the device has them on its compute queue
    /// (timestampComputeAndGraphics and the queue family's timestampValidBits; lavapipe has both): an op's time is the
    /// device's, and marking it never waits. Elsewhere the wall clock, with the device waited for at each mark.
    /// </summary>
    public override OpClock CreateOpClock() => TimestampClock.ValidBits(instance.Vk, device) is var bits and > 0
        ? new TimestampClock(this, bits)
        : new WallClock(this);

    /// <summary>A pool of timestamp queries, written in order and read back when the profile collects (or the pool fills).</summary>
    private sealed unsafe class TimestampClock : OpClock
    {
        // A ResNet-20 step is a few hundred ops, two marks each; a step is collected before the next one starts.
        private const uint Capacity = 4096;

        private readonly VulkanBackend backend;
        private readonly QueryPool pool;
        private readonly ulong mask;
        private readonly double secondsPerTick;
        private readonly List<double> read = [];
        private uint written;

        public TimestampClock(VulkanBackend backend, uint validBits)
        {
            this.backend = backend;
            var info = new QueryPoolCreateInfo { SType = StructureType.QueryPoolCreateInfo, QueryType = QueryType.Timestamp, QueryCount = Capacity };
            VulkanCalls.Check(backend.instance.Vk.CreateQueryPool(backend.device.Handle, in info, null, out pool), "create a timestamp query pool");
            mask = validBits >= 64 ? ulong.MaxValue : (1UL << (int)validBits) - 1;
            secondsPerTick = backend.device.Physical.Limits.TimestampPeriod * 1e-9;
        }

        public override string Source => "Vulkan timestamp queries";

        /// <summary>The compute queue's timestamp bits; 0 where the device cannot write timestamps there.</summary>
        public static uint ValidBits(Vk vk, VulkanDevice device)
        {
            if (!device.Physical.Limits.TimestampComputeAndGraphics)
            {
                return 0;
            }
            uint families = 0;
            vk.GetPhysicalDeviceQueueFamilyProperties(device.Physical.Handle, ref families, null);
            var properties = new QueueFamilyProperties[families];
            fixed (QueueFamilyProperties* first = properties)
            {
                vk.GetPhysicalDeviceQueueFamilyProperties(device.Physical.Handle, ref families, first);
            }
            return properties[device.Physical.ComputeQueueFamily].TimestampValidBits;
        }

        public override void Mark()
        {
            if (written == Capacity)
            {
                ReadWritten();
            }
            backend.recorder.WriteTimestamp(pool, written++);
        }

        public override void ReadAndClear(List<double> seconds)
        {
            ReadWritten();
            seconds.AddRange(read);
            read.Clear();
        }

        public override void Dispose()
        {
            backend.instance.Vk.DestroyQueryPool(backend.device.Handle, pool, null);
            base.Dispose();
        }

        /// <summary>Waits for the device, then moves every timestamp written into <see cref="read"/>, so the pool starts again.</summary>
        private void ReadWritten()
        {
            if (written == 0)
            {
                return;
            }
            backend.Synchronize();
            var ticks = new ulong[written];
            fixed (ulong* first = ticks)
            {
                VulkanCalls.Check(backend.instance.Vk.GetQueryPoolResults(backend.device.Handle, pool, 0, written,
                    (nuint)(ticks.Length * sizeof(ulong)), first, sizeof(ulong), QueryResultFlags.Result64Bit | QueryResultFlags.ResultWaitBit),
                    "read timestamps");
            }
            foreach (var tick in ticks)
            {
                read.Add((tick & mask) * secondsPerTick);
            }
            written = 0;
        }
    }
}
