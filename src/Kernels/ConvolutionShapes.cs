namespace Descent.Kernels;

/// <summary>
/// A 2-D convolution over a batch in NCHW layout (PyTorch's nn.Conv2d with groups 1 and dilation 1):
/// input [Batch, InChannels, Height, Width], weight [OutChannels, InChannels, KernelHeight, KernelWidth],
/// bias [OutChannels], output [Batch, OutChannels, OutHeight, OutWidth]. Padding adds zeros on every side.
/// </summary>
public readonly record struct Conv2dShape(
    int Batch, int InChannels, int Height, int Width, int OutChannels, int KernelHeight, int KernelWidth, int Stride, int Padding)
{
    public int OutHeight => (Height + 2 * Padding - KernelHeight) / Stride + 1;

    public int OutWidth => (Width + 2 * Padding - KernelWidth) / Stride + 1;

    public long InputLength => (long)Batch * InChannels * Height * Width;

    public long WeightLength => (long)OutChannels * InChannels * KernelHeight * KernelWidth;

    public long OutputLength => (long)Batch * OutChannels * OutHeight * OutWidth;

    /// <summary>Multiply-adds of the forward pass (each backward pass costs as many): its GEMM's M x N x K.</summary>
    public long MultiplyAdds => (long)Batch * OutHeight * OutWidth * OutChannels * InChannels * KernelHeight * KernelWidth;

    /// <summary>Why this shape is not a convolution, or null when it is one.</summary>
    public string? Problem =>
        Batch <= 0 || InChannels <= 0 || Height <= 0 || Width <= 0 || OutChannels <= 0 ? "every size must be positive"
        : KernelHeight <= 0 || KernelWidth <= 0 || Stride <= 0 || Padding < 0 ? "the kernel and stride must be positive and the padding 0 or more"
        : Height + 2 * Padding < KernelHeight || Width + 2 * Padding < KernelWidth ? "the kernel is larger than the padded input"
        : InputLength > int.MaxValue || WeightLength > int.MaxValue || OutputLength > int.MaxValue ? "a tensor of it exceeds 2^31 - 1 elements"
        : null;
}

/// <summary>
/// A 2-D max-pooling over a batch in NCHW layout (PyTorch's nn.MaxPool2d without padding or dilation):
/// input [Batch, Channels, Height, Width], output [Batch, Channels, OutHeight, OutWidth].
/// </summary>
public readonly record struct Pool2dShape(int Batch, int Channels, int Height, int Width, int Kernel, int Stride)
{
    public int OutHeight => (Height - Kernel) / Stride + 1;

    public int OutWidth => (Width - Kernel) / Stride + 1;

    public long InputLength => (long)Batch * Channels * Height * Width;

    public long OutputLength => (long)Batch * Channels * OutHeight * OutWidth;

    /// <summary>Why this shape is not a pooling, or null when it is one.</summary>
    public string? Problem =>
        Batch <= 0 || Channels <= 0 || Height <= 0 || Width <= 0 || Kernel <= 0 || Stride <= 0 ? "every size must be positive"
        : Height < Kernel || Width < Kernel ? "the window is larger than the input"
        : InputLength > int.MaxValue ? "its input exceeds 2^31 - 1 elements"
        : null;
}

/// <summary>
/// Which dropout mask a step uses: element i of the tensor is kept when the counter-based generator
/// (<see cref="DropoutMask"/>) keyed by <paramref name="Seed"/> and <paramref name="Stream"/> (one per
/// dropout layer) gives, at counter (i, <paramref name="Step"/>), a uniform number at or above
/// <paramref name="Probability"/>. Kept elements are scaled by 1 / (1 - Probability), as PyTorch does.
/// The counter's element is i + <paramref name="FirstElement"/>: a process that holds rows r.. of a batch shared between
/// processes (MPI ranks) draws the masks one process draws for those rows of the whole batch.
/// </summary>
public readonly record struct DropoutStep(float Probability, uint Seed, uint Stream, uint Step, uint FirstElement = 0)
{
    /// <summary>The scale of a kept element, computed once in double and rounded, the same on every backend.</summary>
    public float KeptScale => (float)(1.0 / (1.0 - Probability));
}
