using System.Globalization;

namespace Descent.Kernels.Conformance;

/// <summary>
/// How far a backend's float result may lie from the double reference, element by element:
/// |got - ref| &lt;= Absolute + Relative * |ref|.
/// </summary>
public readonly record struct Tolerance(double Absolute, double Relative)
{
    /// <summary>Bit-for-bit equality: counts, flags, labels, untouched memory, and determinism.</summary>
    public static Tolerance Exact { get; } = new(0, 0);

    /// <summary>The largest error allowed next to a reference value.</summary>
    public double BoundFor(double reference) => Absolute + Relative * Math.Abs(reference);

    /// <summary>The bound as "atol+rtol*|ref|", e.g. "1e-6+1e-5*|ref|", or "exact".</summary>
    public override string ToString() => this == Exact ? "exact" : $"{Format(Absolute)}+{Format(Relative)}*|ref|";

    private static string Format(double value) =>
        value == 0 ? "0" : value.ToString("0.##e0", CultureInfo.InvariantCulture);
}
