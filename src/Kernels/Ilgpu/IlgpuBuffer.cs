using ILGPU;
using ILGPU.Runtime;

namespace Descent.Kernels.Ilgpu;

/// <summary>An <see cref="IlgpuBackend"/> buffer: one dense ILGPU memory buffer on the backend's accelerator.</summary>
internal sealed class IlgpuBuffer<T> : DeviceBuffer<T> where T : unmanaged
{
    private readonly MemoryBuffer1D<T, Stride1D.Dense> memory;

    public IlgpuBuffer(IlgpuBackend owner, MemoryBuffer1D<T, Stride1D.Dense> memory)
        : base(owner, (int)memory.Length)
    {
        this.memory = memory;
        View = memory.View;
    }

    /// <summary>The whole buffer as kernels take it; kept so a launch converts nothing.</summary>
    public ArrayView<T> View { get; }

    /// <summary>The whole buffer as the copy methods take it.</summary>
    public ArrayView1D<T, Stride1D.Dense> DenseView => memory.View;

    protected override void Release() => memory.Dispose();
}
