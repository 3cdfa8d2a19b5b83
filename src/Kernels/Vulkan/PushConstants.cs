using System.Runtime.InteropServices;

namespace Descent.Kernels.Vulkan;

// The push-constant blocks of the shaders in shaders/, field for field in declaration order
// (std430: every field here is a 4-byte scalar, so C#'s sequential layout matches).

[StructLayout(LayoutKind.Sequential)]
internal readonly record struct FillArguments(float Value, uint Offset, uint Count);

/// <summary>
/// GEMM sizes and where op(A) and op(B) find their elements, so a shader handles a transpose by index
/// arithmetic instead of a copy: op(A)(r, p) = a[r * ARowStride + p * AColStride],
/// op(B)(p, c) = b[p * BRowStride + c * BColStride].
/// </summary>
[StructLayout(LayoutKind.Sequential)]
internal readonly record struct GemmArguments(uint M, uint N, uint K, uint ARowStride, uint AColStride, uint BRowStride,
    uint BColStride, float Alpha, float Beta)
{
    public static GemmArguments For(bool transposeA, bool transposeB, int m, int n, int k, float alpha, float beta) => new(
        (uint)m, (uint)n, (uint)k,
        // A is stored M x K, or K x M when transposed; B is stored K x N, or N x K when transposed.
        ARowStride: transposeA ? 1u : (uint)k,
        AColStride: transposeA ? (uint)m : 1u,
        BRowStride: transposeB ? 1u : (uint)n,
        BColStride: transposeB ? (uint)k : 1u,
        alpha, beta);
}

[StructLayout(LayoutKind.Sequential)]
internal readonly record struct RowsColumnsArguments(uint Rows, uint Cols, float Beta = 0f);

[StructLayout(LayoutKind.Sequential)]
internal readonly record struct CountArguments(uint Count);

[StructLayout(LayoutKind.Sequential)]
internal readonly record struct MetricsArguments(uint Rows, uint Slot);

[StructLayout(LayoutKind.Sequential)]
internal readonly record struct SgdArguments(uint Count, float LearningRate, float Momentum, float WeightDecay);

[StructLayout(LayoutKind.Sequential)]
internal readonly record struct AdamWArguments(uint Count, AdamWStep Step);

[StructLayout(LayoutKind.Sequential)]
internal readonly record struct GatherArguments(uint Start, uint Count, uint Features, int Items, float Scale, float Shift);
