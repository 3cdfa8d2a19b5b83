using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Descent.Kernels.Cpu;

// Everything the cpu backend knows about each activation is in this file, and nothing about one is
// anywhere else: the element-wise ops and the fused GEMM epilogue pick theirs through
// ActivationFunctions.Select and run its IActivationFunction forms, and the binary losses use
// Sigmoid from here. A new activation is one struct here and one arm in Select.

public sealed unsafe partial class CpuBackend
{
    protected override void ActivationForwardCore(Activation activation, DeviceBuffer<float> x, DeviceBuffer<float> y, int count) =>
        RunElementwise(new ActivationForwardKernel(activation, Pointer(x), Pointer(y)), count);

    protected override void ActivationBackwardCore(Activation activation, DeviceBuffer<float> dY, DeviceBuffer<float> y,
        DeviceBuffer<float> dX, int count) =>
        RunElementwise(new ActivationBackwardKernel(activation, Pointer(dY), Pointer(y), Pointer(dX)), count);
}

/// <summary>An activation's forward, one element and one vector at a time: all the fused GEMM epilogue needs.</summary>
internal interface IActivationForward
{
    /// <summary>y = f(x).</summary>
    static abstract float Forward(float x);

    /// <summary>y = f(x) in each lane.</summary>
    static abstract Vector256<float> Forward(Vector256<float> x);
}

/// <summary>
/// One activation as the cpu kernels run it. Every member is static, so a kernel generic over the
/// activation compiles it inline, with no branch per element. The backward is written through the
/// forward output y, as <see cref="Activation"/> defines it, so a layer keeps only its output.
/// </summary>
internal interface IActivationFunction : IActivationForward
{
    /// <summary>y = f(x) over one slice of the element-wise op; x and y may be the same memory.</summary>
    static abstract void Forward(ReadOnlySpan<float> x, Span<float> y);

    /// <summary>dX = dY * f'(x), with f' written through y = f(x).</summary>
    static abstract float Backward(float dY, float y);

    /// <summary><see cref="Backward(float, float)"/> in each lane.</summary>
    static abstract Vector256<float> Backward(Vector256<float> dY, Vector256<float> y);
}

/// <summary>Work to run with one activation compiled in; <see cref="ActivationFunctions.Select"/> says which.</summary>
internal interface IActivationUse
{
    void Run<TActivation>() where TActivation : struct, IActivationFunction;
}

/// <summary>f(x) = x: a store with no activation, compiled through the same generic path as one with.</summary>
internal readonly struct IdentityActivation : IActivationForward
{
    public static float Forward(float x) => x;

    public static Vector256<float> Forward(Vector256<float> x) => x;
}

/// <summary>Where an <see cref="Activation"/> value finds its implementation, and what the implementations share.</summary>
internal static class ActivationFunctions
{
    /// <summary>
    /// Runs <paramref name="use"/> with the implementation of <paramref name="activation"/>: the one place
    /// where an <see cref="Activation"/> value becomes code. A value the enum does not define is bad input.
    /// </summary>
    public static void Select<TUse>(Activation activation, TUse use) where TUse : struct, IActivationUse
    {
        switch (activation)
        {
            case Activation.Relu:
                use.Run<Relu>();
                break;
            case Activation.Sigmoid:
                use.Run<Sigmoid>();
                break;
            case Activation.Tanh:
                use.Run<Tanh>();
                break;
            case Activation.LeakyRelu:
                use.Run<LeakyRelu>();
                break;
            default:
                throw new InvalidInputException($"unknown activation {activation}");
        }
    }

    /// <summary>y = f(x) a vector at a time, then the last few elements one by one; x and y may be the same memory.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Map<TActivation>(ReadOnlySpan<float> x, Span<float> y) where TActivation : struct, IActivationForward
    {
        ref var input = ref MemoryMarshal.GetReference(x);
        ref var output = ref MemoryMarshal.GetReference(y[..x.Length]);
        var i = 0;
        for (; i + Vector256<float>.Count <= x.Length; i += Vector256<float>.Count)
        {
            TActivation.Forward(Vector256.LoadUnsafe(ref input, (nuint)i)).StoreUnsafe(ref output, (nuint)i);
        }
        for (; i < x.Length; i++)
        {
            Unsafe.Add(ref output, i) = TActivation.Forward(Unsafe.Add(ref input, i));
        }
    }
}

/// <summary>y = max(x, 0); dX = dY where y &gt; 0, else 0.</summary>
internal readonly struct Relu : IActivationFunction
{
    /// <summary>A NaN stays NaN: a plain max instruction would turn it into 0 and hide it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Forward(float x) => x < 0f ? 0f : x;

    /// <summary>Lanes below 0 become 0; a NaN compares false and stays.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Forward(Vector256<float> x) =>
        Vector256.ConditionalSelect(Vector256.LessThan(x, Vector256<float>.Zero), Vector256<float>.Zero, x);

    public static void Forward(ReadOnlySpan<float> x, Span<float> y) => ActivationFunctions.Map<Relu>(x, y);

    // Selecting rather than multiplying by 0 keeps a non-finite dY out of inactive units.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Backward(float dY, float y) => y > 0f ? dY : 0f;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Backward(Vector256<float> dY, Vector256<float> y) =>
        Vector256.ConditionalSelect(Vector256.GreaterThan(y, Vector256<float>.Zero), dY, Vector256<float>.Zero);
}

/// <summary>y = 1 / (1 + e^-x); dX = dY * y * (1 - y).</summary>
internal readonly struct Sigmoid : IActivationFunction
{
    /// <summary>Split by sign so e^|x| is never formed and x = +-100 stays finite.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Forward(float x)
    {
        var e = MathF.Exp(-MathF.Abs(x));
        return x >= 0f ? 1f / (1f + e) : e / (1f + e);
    }

    /// <summary><see cref="Forward(float)"/> in each lane, split by sign the same way.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Forward(Vector256<float> x)
    {
        var e = Vector256.Exp(-Vector256.Abs(x));
        var numerator = Vector256.ConditionalSelect(Vector256.GreaterThanOrEqual(x, Vector256<float>.Zero), Vector256<float>.One, e);
        return numerator / (Vector256<float>.One + e);
    }

    /// <summary>
    /// TensorPrimitives runs at the widest vector the processor has, with an exp accurate to about an
    /// ulp that saturates cleanly at +-100.
    /// </summary>
    public static void Forward(ReadOnlySpan<float> x, Span<float> y) => TensorPrimitives.Sigmoid(x, y);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Backward(float dY, float y) => dY * y * (1f - y);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Backward(Vector256<float> dY, Vector256<float> y) => dY * y * (Vector256<float>.One - y);
}

/// <summary>y = tanh(x); dX = dY * (1 - y^2).</summary>
internal readonly struct Tanh : IActivationFunction
{
    /// <summary>tanh(x) = sign(x) (1 - e^-2|x|) / (1 + e^-2|x|): never infinity over infinity.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Forward(float x)
    {
        var e = MathF.Exp(-2f * MathF.Abs(x));
        var magnitude = (1f - e) / (1f + e);
        return x < 0f ? -magnitude : magnitude;
    }

    /// <summary><see cref="Forward(float)"/> in each lane, by the same formula.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Forward(Vector256<float> x)
    {
        var e = Vector256.Exp(Vector256.Create(-2f) * Vector256.Abs(x));
        return Vector256.CopySign((Vector256<float>.One - e) / (Vector256<float>.One + e), x);
    }

    /// <summary>TensorPrimitives, for the same reasons as <see cref="Sigmoid.Forward(ReadOnlySpan{float}, Span{float})"/>.</summary>
    public static void Forward(ReadOnlySpan<float> x, Span<float> y) => TensorPrimitives.Tanh(x, y);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Backward(float dY, float y) => dY * (1f - y * y);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Backward(Vector256<float> dY, Vector256<float> y) => dY * (Vector256<float>.One - y * y);
}

/// <summary>y = x where x &gt; 0, else 0.01 x; dX = dY where y &gt; 0, else 0.01 dY.</summary>
internal readonly struct LeakyRelu : IActivationFunction
{
    private const float Slope = 0.01f;

    /// <summary>A NaN compares false and becomes 0.01 NaN: still NaN.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Forward(float x) => x > 0f ? x : Slope * x;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Forward(Vector256<float> x) =>
        Vector256.ConditionalSelect(Vector256.GreaterThan(x, Vector256<float>.Zero), x, Vector256.Create(Slope) * x);

    public static void Forward(ReadOnlySpan<float> x, Span<float> y) => ActivationFunctions.Map<LeakyRelu>(x, y);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Backward(float dY, float y) => y > 0f ? dY : Slope * dY;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Backward(Vector256<float> dY, Vector256<float> y) =>
        Vector256.ConditionalSelect(Vector256.GreaterThan(y, Vector256<float>.Zero), dY, Vector256.Create(Slope) * dY);
}

/// <summary>y (N) = f(x (N)); x and y may be the same buffer.</summary>
internal unsafe struct ActivationForwardKernel(Activation activation, float* x, float* y) : IRangeKernel
{
    // The activation is selected per slice, on the thread that runs it: one branch per slice, none per element.
    public readonly void Execute(int start, int end) =>
        ActivationFunctions.Select(activation, new Slice(x + start, y + start, end - start));

    private readonly struct Slice(float* x, float* y, int count) : IActivationUse
    {
        public void Run<TActivation>() where TActivation : struct, IActivationFunction =>
            TActivation.Forward(new ReadOnlySpan<float>(x, count), new Span<float>(y, count));
    }
}

/// <summary>
/// dX (N) = dY (N) * f'(x), with f' written through the forward output y (N); dY and dX may be the
/// same buffer (each element is read before it is written).
/// </summary>
internal unsafe struct ActivationBackwardKernel(Activation activation, float* dY, float* y, float* dX) : IRangeKernel
{
    public readonly void Execute(int start, int end) =>
        ActivationFunctions.Select(activation, new Slice(dY + start, y + start, dX + start, end - start));

    private readonly struct Slice(float* dY, float* y, float* dX, int count) : IActivationUse
    {
        public void Run<TActivation>() where TActivation : struct, IActivationFunction => Backward<TActivation>(dY, y, dX, count);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Backward<TActivation>(float* dY, float* y, float* dX, int count) where TActivation : struct, IActivationFunction
    {
        var i = 0;
        for (; i + Vector256<float>.Count <= count; i += Vector256<float>.Count)
        {
            TActivation.Backward(Vector256.Load(dY + i), Vector256.Load(y + i)).Store(dX + i);
        }
        for (; i < count; i++)
        {
            dX[i] = TActivation.Backward(dY[i], y[i]);
        }
    }
}
