using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Descent.Kernels.Cpu.Gemm;

/// <summary>
/// The AVX-512 micro-kernel: 8 rows x 32 columns = 16 zmm accumulators. Per step of K it loads two
/// vectors of B, broadcasts eight values of A and issues 16 independent FMAs. Sixteen independent
/// chains cover the FMA latency (4 cycles) at one or two FMAs per cycle, and with the two B vectors
/// and a broadcast the kernel uses 19 of the 32 zmm registers, so nothing spills.
/// </summary>
internal readonly struct MicroKernel8x32 : IGemmMicroKernel
{
    public static string InstructionSet => "AVX-512";

    public static int Rows => 8;

    public static int Columns => 32;

    public static unsafe void Multiply(float* a, nint aRowStride, nint aStepStride, float* b, int kc, float* tile, nint tileStride) =>
        Multiply(a, aRowStride, aStepStride, new PackedSteps(b), kc, tile, tileStride, accumulate: false);

    public static unsafe void MultiplyAdd(float* a, nint aRowStride, nint aStepStride, float* b, int kc, float* tile, nint tileStride) =>
        Multiply(a, aRowStride, aStepStride, new PackedSteps(b), kc, tile, tileStride, accumulate: true);

    /// <summary>
    /// The same tile with step p's 32 values of B at <c>b + offsets[p]</c>, anywhere: the rows of an implicit column matrix
    /// (<see cref="ShiftedRowsConvolution"/>) read where they lie instead of from a packed panel.
    /// </summary>
    public static unsafe void MultiplyShifted(float* a, nint aRowStride, nint aStepStride, float* b, int* offsets, int kc, float* tile,
        nint tileStride) =>
        Multiply(a, aRowStride, aStepStride, new ShiftedSteps(b, offsets), kc, tile, tileStride, accumulate: false);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void Multiply<TSteps>(float* a, nint aRowStride, nint aStepStride, TSteps steps, int kc, float* tile,
        nint tileStride, bool accumulate)
        where TSteps : struct, IStepRows
    {
        var c00 = Vector512<float>.Zero; var c01 = Vector512<float>.Zero;
        var c10 = Vector512<float>.Zero; var c11 = Vector512<float>.Zero;
        var c20 = Vector512<float>.Zero; var c21 = Vector512<float>.Zero;
        var c30 = Vector512<float>.Zero; var c31 = Vector512<float>.Zero;
        var c40 = Vector512<float>.Zero; var c41 = Vector512<float>.Zero;
        var c50 = Vector512<float>.Zero; var c51 = Vector512<float>.Zero;
        var c60 = Vector512<float>.Zero; var c61 = Vector512<float>.Zero;
        var c70 = Vector512<float>.Zero; var c71 = Vector512<float>.Zero;
        if (accumulate)
        {
            var t = tile;
            c00 = Vector512.Load(t); c01 = Vector512.Load(t + 16); t += tileStride;
            c10 = Vector512.Load(t); c11 = Vector512.Load(t + 16); t += tileStride;
            c20 = Vector512.Load(t); c21 = Vector512.Load(t + 16); t += tileStride;
            c30 = Vector512.Load(t); c31 = Vector512.Load(t + 16); t += tileStride;
            c40 = Vector512.Load(t); c41 = Vector512.Load(t + 16); t += tileStride;
            c50 = Vector512.Load(t); c51 = Vector512.Load(t + 16); t += tileStride;
            c60 = Vector512.Load(t); c61 = Vector512.Load(t + 16); t += tileStride;
            c70 = Vector512.Load(t); c71 = Vector512.Load(t + 16);
        }
        // Rows 0-3 from a, rows 4-7 from a4, each at index 0, s, 2s, 3s: the addressing modes cover it.
        var s1 = aRowStride;
        var s2 = 2 * aRowStride;
        var s3 = 3 * aRowStride;
        var a4 = a + 4 * aRowStride;
        for (var p = 0; p < kc; p++)
        {
            var b = steps.Row(p);
            var b0 = Vector512.Load(b);
            var b1 = Vector512.Load(b + 16);
            var x = Vector512.Create(a[0]);
            c00 = Vector512.FusedMultiplyAdd(x, b0, c00); c01 = Vector512.FusedMultiplyAdd(x, b1, c01);
            x = Vector512.Create(a[s1]);
            c10 = Vector512.FusedMultiplyAdd(x, b0, c10); c11 = Vector512.FusedMultiplyAdd(x, b1, c11);
            x = Vector512.Create(a[s2]);
            c20 = Vector512.FusedMultiplyAdd(x, b0, c20); c21 = Vector512.FusedMultiplyAdd(x, b1, c21);
            x = Vector512.Create(a[s3]);
            c30 = Vector512.FusedMultiplyAdd(x, b0, c30); c31 = Vector512.FusedMultiplyAdd(x, b1, c31);
            x = Vector512.Create(a4[0]);
            c40 = Vector512.FusedMultiplyAdd(x, b0, c40); c41 = Vector512.FusedMultiplyAdd(x, b1, c41);
            x = Vector512.Create(a4[s1]);
            c50 = Vector512.FusedMultiplyAdd(x, b0, c50); c51 = Vector512.FusedMultiplyAdd(x, b1, c51);
            x = Vector512.Create(a4[s2]);
            c60 = Vector512.FusedMultiplyAdd(x, b0, c60); c61 = Vector512.FusedMultiplyAdd(x, b1, c61);
            x = Vector512.Create(a4[s3]);
            c70 = Vector512.FusedMultiplyAdd(x, b0, c70); c71 = Vector512.FusedMultiplyAdd(x, b1, c71);
            a += aStepStride;
            a4 += aStepStride;
        }
        c00.Store(tile); c01.Store(tile + 16);
        tile += tileStride;
        c10.Store(tile); c11.Store(tile + 16);
        tile += tileStride;
        c20.Store(tile); c21.Store(tile + 16);
        tile += tileStride;
        c30.Store(tile); c31.Store(tile + 16);
        tile += tileStride;
        c40.Store(tile); c41.Store(tile + 16);
        tile += tileStride;
        c50.Store(tile); c51.Store(tile + 16);
        tile += tileStride;
        c60.Store(tile); c61.Store(tile + 16);
        tile += tileStride;
        c70.Store(tile); c71.Store(tile + 16);
    }

    /// <summary>Where step p's 32 values of B start; a struct, so each kind is compiled into the loop.</summary>
    private unsafe interface IStepRows
    {
        float* Row(int step);
    }

    /// <summary>A packed panel: the steps' rows one after another.</summary>
    private readonly unsafe struct PackedSteps(float* b) : IStepRows
    {
        public float* Row(int step) => b + (nint)step * 32;
    }

    /// <summary>Each step's row at its own offset from b.</summary>
    private readonly unsafe struct ShiftedSteps(float* b, int* offsets) : IStepRows
    {
        public float* Row(int step) => b + offsets[step];
    }
}
