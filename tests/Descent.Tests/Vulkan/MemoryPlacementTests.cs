using Descent.Kernels.Vulkan;
using Xunit;
using static Descent.Kernels.Vulkan.HostTransfer;

namespace Descent.Tests.Vulkan;

/// <summary>
/// Where buffers go on real drivers' memory tables (<see cref="DeviceTables"/>): for a small (1 MiB) and a
/// big (512 MiB) storage buffer, the whole ordered list, whose first entry is what the backend allocates
/// from and the rest the fallbacks tried, in order, when the driver runs out of memory. No device needed.
/// </summary>
public sealed class MemoryPlacementTests
{
    private const ulong Small = 1 << 20;
    private const ulong Big = 512 << 20;
    private const uint AnyType = uint.MaxValue;

    [Fact]
    public void Nvidia_without_resizable_bar_keeps_buffers_in_device_memory_behind_staging_copies()
    {
        var table = DeviceTables.NvidiaWithoutResizableBar;

        // Device memory (1), then the 214 MiB window, mapped (4), then host memory, mapped (2, 3).
        Assert.Equal([new(1, Staged), new(4, Staged), new(2, Mapped), new(3, Mapped)], Storage(table, Small));
        // 512 MiB does not fit the window.
        Assert.Equal([new(1, Staged), new(2, Mapped), new(3, Mapped)], Storage(table, Big));
        // Staging in cached host memory first: downloads are read by the host.
        Assert.Equal([new(3, Mapped), new(2, Mapped), new(4, Mapped)], Staging(table, Small));
    }

    [Fact]
    public void Nvidia_with_resizable_bar_reads_video_memory_through_staging_copies()
    {
        var table = DeviceTables.NvidiaWithResizableBar;

        // Type 5 maps video memory uncached through the BAR: downloads would read it across the bus word by word, so
        // it is staged too, after type 1. Type 2 repeats type 1 (same heap and flags), so the list holds it once.
        Assert.Equal([new(1, Staged), new(5, Staged), new(3, Mapped), new(4, Mapped)], Storage(table, Small));
        Assert.Equal([new(1, Staged), new(5, Staged), new(3, Mapped), new(4, Mapped)], Storage(table, Big));
    }

    [Fact]
    public void Amd_radv_discrete_keeps_buffers_in_device_memory_behind_staging_copies()
    {
        var table = DeviceTables.AmdRadvDiscrete;

        Assert.Equal([new(0, Staged), new(3, Staged), new(2, Mapped), new(5, Mapped)], Storage(table, Small));
        Assert.Equal([new(0, Staged), new(2, Mapped), new(5, Mapped)], Storage(table, Big));
        Assert.Equal([new(5, Mapped), new(2, Mapped), new(3, Mapped)], Staging(table, Small));
    }

    [Fact]
    public void A_type_the_buffer_may_not_use_gives_way_to_its_twin()
    {
        // radv lists two types of each kind; a buffer whose memoryTypeBits leave out the first gets the second.
        var choices = MemoryPlacement.ForStorage(DeviceTables.AmdRadvDiscrete, Small, AnyType & ~1u, [0, 0, 0], mapDeviceMemory: true);

        Assert.Equal(new MemoryChoice(1, Staged), choices[0]);
    }

    [Fact]
    public void Intel_integrated_maps_its_memory()
    {
        var table = DeviceTables.IntelIntegrated;

        // Its cached type first; the uncached one (type 1) is read through staging copies.
        Assert.Equal([new(2, Mapped), new(0, Staged), new(1, Staged)], Storage(table, Small));
        Assert.Equal([new(2, Mapped), new(0, Staged), new(1, Staged)], Storage(table, Big));
        Assert.Equal([new(2, Mapped), new(1, Mapped)], Staging(table, Small));
    }

    [Fact]
    public void Lavapipe_maps_its_one_memory_type_unless_mapping_is_switched_off()
    {
        var table = DeviceTables.Lavapipe;

        Assert.Equal([new(0, Mapped)], Storage(table, Small));
        Assert.Equal([new(0, Mapped)], Storage(table, Big));
        Assert.Equal([new(0, Staged)], MemoryPlacement.ForStorage(table, Big, AnyType, [0], mapDeviceMemory: false));
        Assert.Equal([new(0, Mapped)], Staging(table, Small));
    }

    [Fact]
    public void Amd_integrated_skips_device_coherent_types_and_puts_what_its_carve_out_cannot_hold_in_host_memory()
    {
        var table = DeviceTables.AmdIntegratedWindows;

        Assert.Equal([new(0, Staged), new(2, Staged), new(1, Mapped), new(3, Mapped)], Storage(table, Small));
        Assert.Equal([new(1, Mapped), new(3, Mapped)], Storage(table, Big));
    }

    [Fact]
    public void A_heap_this_backend_has_filled_is_not_tried()
    {
        var table = DeviceTables.NvidiaWithoutResizableBar;
        ulong[] allocated = [table.Heaps[0].Bytes - Small + 1, 0, 0];

        var choices = MemoryPlacement.ForStorage(table, Small, AnyType, allocated, mapDeviceMemory: true);

        Assert.Equal([new(4, Staged), new(2, Mapped), new(3, Mapped)], choices);
    }

    [Fact]
    public void A_buffer_no_heap_can_hold_has_no_choice()
    {
        var table = DeviceTables.IntelIntegrated;

        Assert.Empty(MemoryPlacement.ForStorage(table, table.Heaps[0].Bytes + 1, AnyType, [0], mapDeviceMemory: true));
    }

    private static IReadOnlyList<MemoryChoice> Storage(MemoryTable table, ulong bytes) =>
        MemoryPlacement.ForStorage(table, bytes, AnyType, new ulong[table.Heaps.Count], mapDeviceMemory: true);

    private static IReadOnlyList<MemoryChoice> Staging(MemoryTable table, ulong bytes) =>
        MemoryPlacement.ForStaging(table, bytes, AnyType, new ulong[table.Heaps.Count]);
}
