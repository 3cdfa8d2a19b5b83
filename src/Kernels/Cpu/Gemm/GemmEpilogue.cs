using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Descent.Kernels.Cpu.Gemm;

/// <summary>
/// Moves one register tile into C while it is hot: scales it by alpha, adds beta * C (first block of K)
/// or the partial sum already in C (later blocks), and on the last block of K adds the bias (or row bias) and
/// applies the activation. So the fused linear forward touches each output element once more, not
/// three times (GEMM, bias add, activation as separate passes over memory).
/// </summary>
internal static unsafe class GemmEpilogue
{
    /// <param name="tile">The micro-kernel's tile, <paramref name="tileStride"/> floats per row.</param>
    /// <param name="row">Row of C where the tile starts.</param>
    /// <param name="column">Column of C where the tile starts.</param>
    /// <param name="rows">Rows of the tile inside C (the tile may overhang M).</param>
    /// <param name="cols">Columns of the tile inside C (the tile may overhang N).</param>
    /// <param name="ldc">Floats per row of C (N).</param>
    /// <param name="firstStep">This tile holds the first block of K: C's old contents count only through beta.</param>
    /// <param name="lastStep">This tile holds the last block of K: add the bias and apply the activation.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(float* tile, int tileStride, in GemmOutput output, int row, int column, int rows, int cols, int ldc,
        bool firstStep, bool lastStep)
    {
        // The activation is selected once per tile and compiled into the store, so it is applied in
        // registers with no branch per element.
        if (lastStep && output.Activation is { } activation)
        {
            ActivationFunctions.Select(activation, new ActivatedStore(tile, tileStride, output, row, column, rows, cols, ldc, firstStep));
        }
        else
        {
            StoreWith<IdentityActivation>(tile, tileStride, output, row, column, rows, cols, ldc, firstStep, lastStep);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void StoreWith<TActivation>(float* tile, int tileStride, in GemmOutput output, int row, int column, int rows, int cols,
        int ldc, bool firstStep, bool lastStep) where TActivation : struct, IActivationForward
    {
        var alpha = output.Alpha;
        var beta = output.Beta;
        var readOld = !firstStep || beta != 0f;
        var oldScale = firstStep ? beta : 1f;
        var bias = lastStep ? output.Bias : null;
        var rowBias = lastStep ? output.RowBias : null;
        var alphaVector = Vector256.Create(alpha);
        var oldScaleVector = Vector256.Create(oldScale);
        for (var r = 0; r < rows; r++)
        {
            var source = tile + r * tileStride;
            var destination = output.C + (long)(row + r) * ldc + column;
            var rowBiasValue = rowBias != null ? rowBias[row + r] : 0f;
            var rowBiasVector = Vector256.Create(rowBiasValue);
            var j = 0;
            for (; j + Vector256<float>.Count <= cols; j += Vector256<float>.Count)
            {
                var value = Vector256.Load(source + j) * alphaVector;
                if (readOld)
                {
                    value += Vector256.Load(destination + j) * oldScaleVector;
                }
                if (bias != null)
                {
                    value += Vector256.Load(bias + column + j);
                }
                if (rowBias != null)
                {
                    value += rowBiasVector;
                }
                TActivation.Forward(value).Store(destination + j);
            }
            for (; j < cols; j++)
            {
                var value = source[j] * alpha;
                if (readOld)
                {
                    value += destination[j] * oldScale;
                }
                if (bias != null)
                {
                    value += bias[column + j];
                }
                if (rowBias != null)
                {
                    value += rowBiasValue;
                }
                destination[j] = TActivation.Forward(value);
            }
        }
    }

    /// <summary>The last block of K's store, waiting for <see cref="ActivationFunctions.Select"/> to name the activation.</summary>
    private readonly struct ActivatedStore(float* tile, int tileStride, GemmOutput output, int row, int column, int rows, int cols, int ldc,
        bool firstStep) : IActivationUse
    {
        public void Run<TActivation>() where TActivation : struct, IActivationFunction =>
            StoreWith<TActivation>(tile, tileStride, output, row, column, rows, cols, ldc, firstStep, lastStep: true);
    }
}
