namespace Descent.Kernels;

/// <summary>Which of the three convolution ops a scratch declaration is for.</summary>
public enum ConvolutionPass
{
    /// <summary><see cref="ComputeBackend.Conv2dForward"/>.</summary>
    Forward,

    /// <summary><see cref="ComputeBackend.Conv2dBackwardInput"/>.</summary>
    BackwardInput,

    /// <summary><see cref="ComputeBackend.Conv2dBackwardWeight"/>.</summary>
    BackwardWeight,
}

/// <summary>
/// Memory a backend allocates for itself while it runs an op: <paramref name="Elements"/> elements of
/// <paramref name="ElementType"/> in its scratch slot <paramref name="Slot"/>. A backend keeps one buffer per
/// slot, grown to the largest need seen and then reused, so what a run holds is, per slot, the largest
/// need of any op it ran.
/// </summary>
public readonly record struct ScratchNeed(string Slot, Type ElementType, long Elements)
{
    /// <summary>The bytes these elements take.</summary>
    public long Bytes => Elements * ElementBytes(ElementType);

    /// <summary>The size of one float, int or byte element, the element types a backend holds.</summary>
    /// <exception cref="ArgumentException">Any other type.</exception>
    public static int ElementBytes(Type elementType) =>
        elementType == typeof(float) ? sizeof(float)
        : elementType == typeof(int) ? sizeof(int)
        : elementType == typeof(byte) ? sizeof(byte)
        : throw new ArgumentException($"buffers hold float, int or byte elements, not {elementType.Name}", nameof(elementType));
}
