using Descent.Kernels.Vulkan;
using Silk.NET.Vulkan;

namespace Descent.Tests.Vulkan;

/// <summary>
/// Memory tables and queue families of real devices, copied from vulkaninfo reports published on GitHub
/// (each source named at its table, with the commit, so the text can be checked), for the placement and
/// queue-choice functions to be tested against drivers this machine does not have.
/// </summary>
internal static class DeviceTables
{
    private const MemoryPropertyFlags DeviceLocal = MemoryPropertyFlags.DeviceLocalBit;
    private const MemoryPropertyFlags HostCoherent = MemoryPropertyFlags.HostVisibleBit | MemoryPropertyFlags.HostCoherentBit;
    private const MemoryPropertyFlags HostCached = HostCoherent | MemoryPropertyFlags.HostCachedBit;
    private const MemoryPropertyFlags AmdDeviceCoherent = MemoryPropertyFlags.DeviceCoherentBitAmd | MemoryPropertyFlags.DeviceUncachedBitAmd;
    private const MemoryHeapFlags DeviceHeap = MemoryHeapFlags.DeviceLocalBit;
    private const MemoryHeapFlags DeviceHeapMultiInstance = MemoryHeapFlags.DeviceLocalBit | MemoryHeapFlags.MultiInstanceBit;
    private const QueueFlags Everything = QueueFlags.GraphicsBit | QueueFlags.ComputeBit | QueueFlags.TransferBit;
    private const QueueFlags Sparse = QueueFlags.SparseBindingBit;

    /// <summary>
    /// NVIDIA GeForce GTX 1650, driver 528.92 (Windows), without resizable BAR: the host sees 214 MiB of
    /// device memory. vulkaninfo.txt, GPU0, in github.com/mohnishunity3ddev/Shoora at commit 465af75ad41fe7fcce45fab9b673699bfac1e8a6.
    /// </summary>
    public static readonly MemoryTable NvidiaWithoutResizableBar = new(
        [new(0, 1), new(DeviceLocal, 0), new(HostCoherent, 1), new(HostCached, 1), new(DeviceLocal | HostCoherent, 2)],
        [new(4143972352, DeviceHeap), new(7438626816, 0), new(224395264, DeviceHeap)]);

    /// <summary>The GTX 1650's queue families, from the same report.</summary>
    public static readonly QueueFlags[] NvidiaGtx1650Queues =
        [Everything | Sparse, QueueFlags.TransferBit | Sparse, QueueFlags.ComputeBit | QueueFlags.TransferBit | Sparse];

    /// <summary>
    /// NVIDIA GeForce RTX 3060 Ti, driver 561.09 (Windows), with resizable BAR: all 7.84 GiB of device
    /// memory is host-visible. vulkaninfo.txt, GPU0, in github.com/heintjepeintje/nexus at commit ee1605829a3cbf335d0d83ee18ccebea5f3ef5a9.
    /// </summary>
    public static readonly MemoryTable NvidiaWithResizableBar = new(
        [new(0, 1), new(DeviceLocal, 0), new(DeviceLocal, 0), new(HostCoherent, 1), new(HostCached, 1), new(DeviceLocal | HostCoherent, 0)],
        [new(8413773824, DeviceHeap), new(8237154304, 0)]);

    /// <summary>The RTX 3060 Ti's queue families (video decode, encode and optical flow among them), from the same report.</summary>
    public static readonly QueueFlags[] NvidiaRtx3060TiQueues =
    [
        Everything | Sparse, QueueFlags.TransferBit | Sparse, QueueFlags.ComputeBit | QueueFlags.TransferBit | Sparse,
        QueueFlags.TransferBit | Sparse | QueueFlags.VideoDecodeBitKhr, QueueFlags.TransferBit | Sparse | QueueFlags.VideoEncodeBitKhr,
        QueueFlags.TransferBit | Sparse | QueueFlags.OpticalFlowBitNV,
    ];

    /// <summary>
    /// AMD Radeon RX 470 on radv (RADV POLARIS10, Mesa 23.2.1), discrete, without resizable BAR (a 256 MiB
    /// host-visible window). vulkaninfo.txt, GPU0, in github.com/Soepgroente/scop at commit 40ffefc934f802b910b4adc1ef6ad89baefc81b2.
    /// </summary>
    public static readonly MemoryTable AmdRadvDiscrete = new(
        [
            new(DeviceLocal, 0), new(DeviceLocal, 0), new(HostCoherent, 1), new(DeviceLocal | HostCoherent, 2),
            new(DeviceLocal | HostCoherent, 2), new(HostCached, 1), new(HostCached, 1),
        ],
        [new(4026531840, DeviceHeap), new(4294967296, 0), new(268435456, DeviceHeap)]);

    /// <summary>The RX 470's queue families on radv, from the same report.</summary>
    public static readonly QueueFlags[] AmdRadvQueues = [Everything | Sparse, QueueFlags.ComputeBit | QueueFlags.TransferBit | Sparse];

    /// <summary>
    /// Intel Graphics (ADL GT2) on anv (Mesa 23.2.1), integrated: one heap in system memory.
    /// vulkaninfo.txt, GPU0, in github.com/sumit0x0d/multimedia-framework at commit 277c52ec90db7b5cdf816813a496f1ef043b8313.
    /// </summary>
    public static readonly MemoryTable IntelIntegrated = new(
        [new(DeviceLocal, 0), new(DeviceLocal | HostCoherent, 0), new(DeviceLocal | HostCached, 0)],
        [new(12274556928, DeviceHeap)]);

    /// <summary>Intel ADL GT2's one queue family, from the same report (lavapipe's is the same).</summary>
    public static readonly QueueFlags[] IntelQueues = [Everything];

    /// <summary>
    /// lavapipe, llvmpipe (LLVM 15.0.7, 256 bits), Mesa 23.2.1: one memory type, device-local and host-visible.
    /// vulkaninfo.txt, GPU1, in github.com/Soepgroente/scop at commit 40ffefc934f802b910b4adc1ef6ad89baefc81b2.
    /// </summary>
    public static readonly MemoryTable Lavapipe = new([new(DeviceLocal | HostCached, 0)], [new(16658817024, DeviceHeap)]);

    /// <summary>
    /// AMD Radeon(TM) Graphics, integrated, driver 23.19.10.11 (Windows): a 256 MiB carve-out as device
    /// memory, and memory types with AMD's device-coherent flags, which need a feature Descent does not enable.
    /// vulkaninfo.txt, GPU1, in github.com/heintjepeintje/nexus at commit ee1605829a3cbf335d0d83ee18ccebea5f3ef5a9.
    /// </summary>
    public static readonly MemoryTable AmdIntegratedWindows = new(
        [
            new(DeviceLocal, 0), new(HostCoherent, 1), new(DeviceLocal | HostCoherent, 2), new(HostCached, 1),
            new(DeviceLocal | AmdDeviceCoherent, 0), new(HostCoherent | AmdDeviceCoherent, 1),
            new(DeviceLocal | HostCoherent | AmdDeviceCoherent, 2), new(HostCached | AmdDeviceCoherent, 1),
            new(DeviceLocal, 0), new(HostCoherent, 1), new(DeviceLocal | HostCoherent, 2), new(HostCached, 1),
            new(DeviceLocal | AmdDeviceCoherent, 0), new(HostCoherent | AmdDeviceCoherent, 1),
            new(DeviceLocal | HostCoherent | AmdDeviceCoherent, 2), new(HostCached | AmdDeviceCoherent, 1),
        ],
        [new(268435456, DeviceHeapMultiInstance), new(7968129024, 0), new(268435456, DeviceHeapMultiInstance)]);
}
