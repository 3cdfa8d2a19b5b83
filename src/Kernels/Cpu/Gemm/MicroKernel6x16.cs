using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Descent.Kernels.Cpu.Gemm;

/// <summary>
/// The AVX2 micro-kernel, for processors without AVX-512: 6 rows x 16 columns = 12 ymm accumulators,
/// the classic Haswell shape. With two B vectors and a broadcast it uses 15 of the 16 ymm registers;
/// twelve independent FMA chains cover two FMA ports at a latency of 4 to 5 cycles.
/// </summary>
internal readonly struct MicroKernel6x16 : IGemmMicroKernel
{
    public static string InstructionSet => "AVX2";

    public static int Rows => 6;

    public static int Columns => 16;

    public static unsafe void Multiply(float* a, nint aRowStride, nint aStepStride, float* b, int kc, float* tile, nint tileStride) =>
        Multiply(a, aRowStride, aStepStride, b, kc, tile, tileStride, accumulate: false);

    public static unsafe void MultiplyAdd(float* a, nint aRowStride, nint aStepStride, float* b, int kc, float* tile, nint tileStride) =>
        Multiply(a, aRowStride, aStepStride, b, kc, tile, tileStride, accumulate: true);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void Multiply(float* a, nint aRowStride, nint aStepStride, float* b, int kc, float* tile, nint tileStride,
        bool accumulate)
    {
        var c00 = Vector256<float>.Zero; var c01 = Vector256<float>.Zero;
        var c10 = Vector256<float>.Zero; var c11 = Vector256<float>.Zero;
        var c20 = Vector256<float>.Zero; var c21 = Vector256<float>.Zero;
        var c30 = Vector256<float>.Zero; var c31 = Vector256<float>.Zero;
        var c40 = Vector256<float>.Zero; var c41 = Vector256<float>.Zero;
        var c50 = Vector256<float>.Zero; var c51 = Vector256<float>.Zero;
        if (accumulate)
        {
            var t = tile;
            c00 = Vector256.Load(t); c01 = Vector256.Load(t + 8); t += tileStride;
            c10 = Vector256.Load(t); c11 = Vector256.Load(t + 8); t += tileStride;
            c20 = Vector256.Load(t); c21 = Vector256.Load(t + 8); t += tileStride;
            c30 = Vector256.Load(t); c31 = Vector256.Load(t + 8); t += tileStride;
            c40 = Vector256.Load(t); c41 = Vector256.Load(t + 8); t += tileStride;
            c50 = Vector256.Load(t); c51 = Vector256.Load(t + 8);
        }
        var s1 = aRowStride;
        var s2 = 2 * aRowStride;
        var a3 = a + 3 * aRowStride;
        for (var p = 0; p < kc; p++)
        {
            var b0 = Vector256.Load(b);
            var b1 = Vector256.Load(b + 8);
            var x = Vector256.Create(a[0]);
            c00 = Vector256.FusedMultiplyAdd(x, b0, c00); c01 = Vector256.FusedMultiplyAdd(x, b1, c01);
            x = Vector256.Create(a[s1]);
            c10 = Vector256.FusedMultiplyAdd(x, b0, c10); c11 = Vector256.FusedMultiplyAdd(x, b1, c11);
            x = Vector256.Create(a[s2]);
            c20 = Vector256.FusedMultiplyAdd(x, b0, c20); c21 = Vector256.FusedMultiplyAdd(x, b1, c21);
            x = Vector256.Create(a3[0]);
            c30 = Vector256.FusedMultiplyAdd(x, b0, c30); c31 = Vector256.FusedMultiplyAdd(x, b1, c31);
            x = Vector256.Create(a3[s1]);
            c40 = Vector256.FusedMultiplyAdd(x, b0, c40); c41 = Vector256.FusedMultiplyAdd(x, b1, c41);
            x = Vector256.Create(a3[s2]);
            c50 = Vector256.FusedMultiplyAdd(x, b0, c50); c51 = Vector256.FusedMultiplyAdd(x, b1, c51);
            a += aStepStride;
            a3 += aStepStride;
            b += 16;
        }
        c00.Store(tile); c01.Store(tile + 8);
        c10.Store(tile + 1 * tileStride); c11.Store(tile + 1 * tileStride + 8);
        c20.Store(tile + 2 * tileStride); c21.Store(tile + 2 * tileStride + 8);
        c30.Store(tile + 3 * tileStride); c31.Store(tile + 3 * tileStride + 8);
        c40.Store(tile + 4 * tileStride); c41.Store(tile + 4 * tileStride + 8);
        c50.Store(tile + 5 * tileStride); c51.Store(tile + 5 * tileStride + 8);
    }
}
