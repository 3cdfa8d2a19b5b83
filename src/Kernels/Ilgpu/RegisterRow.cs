using System.Runtime.CompilerServices;
using ILGPU;

namespace Descent.Kernels.Ilgpu;

/// <summary>
/// Eight floats that a GPU keeps in registers: one row of a thread's 8 x 8 block of C in the
/// shared-memory-register-blocks GEMM, or the eight values of A or B that one step along K multiplies.
/// Eight named fields rather than an array, because a kernel's local array lives in local memory
/// (off-chip), while a small struct passed and returned by value becomes eight registers. The methods are
/// forced inline for the same reason: a call could pass the struct through memory.
/// </summary>
internal readonly struct RegisterRow
{
    /// <summary>How many values a row holds: a thread's block of C is Width x Width.</summary>
    public const int Width = 8;

    public readonly float V0;
    public readonly float V1;
    public readonly float V2;
    public readonly float V3;
    public readonly float V4;
    public readonly float V5;
    public readonly float V6;
    public readonly float V7;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public RegisterRow(float v0, float v1, float v2, float v3, float v4, float v5, float v6, float v7)
    {
        V0 = v0;
        V1 = v1;
        V2 = v2;
        V3 = v3;
        V4 = v4;
        V5 = v5;
        V6 = v6;
        V7 = v7;
    }

    /// <summary>values[start], values[start + stride], ..., values[start + 7 stride].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static RegisterRow Load(ArrayView<float> values, int start, int stride) => new(
        values[start],
        values[start + stride],
        values[start + 2 * stride],
        values[start + 3 * stride],
        values[start + 4 * stride],
        values[start + 5 * stride],
        values[start + 6 * stride],
        values[start + 7 * stride]);

    /// <summary>The four values of <paramref name="low"/> then the four of <paramref name="high"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static RegisterRow FromQuads(Quad low, Quad high) => new(low.X, low.Y, low.Z, low.W, high.X, high.Y, high.Z, high.W);

    /// <summary>The value at <paramref name="index"/> (0 to 7; 7 for anything larger): a switch, since fields have no index.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Element(RegisterRow row, int index) => index switch
    {
        0 => row.V0,
        1 => row.V1,
        2 => row.V2,
        3 => row.V3,
        4 => row.V4,
        5 => row.V5,
        6 => row.V6,
        _ => row.V7,
    };

    /// <summary>
    /// sum + scale * other, element by element: one step along K for one row of C. Static, so that no
    /// call takes the address of a struct (an instance method's <c>this</c>), which could put it in memory.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static RegisterRow MultiplyAdd(RegisterRow sum, float scale, RegisterRow other) => new(
        sum.V0 + scale * other.V0,
        sum.V1 + scale * other.V1,
        sum.V2 + scale * other.V2,
        sum.V3 + scale * other.V3,
        sum.V4 + scale * other.V4,
        sum.V5 + scale * other.V5,
        sum.V6 + scale * other.V6,
        sum.V7 + scale * other.V7);
}

/// <summary>
/// Four neighbouring floats read as one value: from shared memory at a 16-byte-aligned address, one 16-byte load
/// (ld.shared.v4.f32) where four separate floats would be four loads.
/// </summary>
internal readonly struct Quad
{
    public readonly float X;
    public readonly float Y;
    public readonly float Z;
    public readonly float W;
}
