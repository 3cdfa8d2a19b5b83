using System.Globalization;

namespace Descent.Benchmarks;

/// <summary>
/// One GEMM call as a benchmark parameter, written "NT 128x784x128" (transposes of A then B, then
/// M x K x N) with " b1" appended when C is accumulated into (beta 1), as the weight gradient is.
/// </summary>
public sealed record GemmShape(bool TransposeA, bool TransposeB, int M, int K, int N, float Beta)
{
    /// <summary>Floating-point operations of one call: a multiply and an add per term.</summary>
    public double Flops => 2.0 * M * N * K;

    public static GemmShape Parse(string text)
    {
        var parts = text.Split(' ');
        var sizes = parts[1].Split('x').Select(size => int.Parse(size, CultureInfo.InvariantCulture)).ToArray();
        return new GemmShape(parts[0][0] == 'T', parts[0][1] == 'T', sizes[0], sizes[1], sizes[2], parts.Length > 2 && parts[2] == "b1" ? 1f : 0f);
    }
}
