namespace Descent.Kernels.Conformance;

/// <summary>Moves values between the backend's float and the reference's double.</summary>
internal static class Precision
{
    /// <summary>Exact: every float is a double.</summary>
    public static double[] Widen(float[] values) => Array.ConvertAll(values, value => (double)value);

    /// <summary>Rounds to the nearest float, as a backend stores a result.</summary>
    public static float[] Narrow(double[] values) => Array.ConvertAll(values, value => (float)value);
}
