namespace Descent.Kernels.Conformance;

/// <summary>Gradients by central differences, run in double through the reference forward.</summary>
internal static class FiniteDifferences
{
    /// <summary>
    /// The step h. Central differences err by h^2 |f'''| / 6, about 2e-9 here, and by cancellation
    /// of roughly 1e-16 |L| / h, about 1e-12 |L|: both far below float32's 6e-8, so whatever gap the
    /// check finds is the backend's. A larger h (1e-3) would put the truncation error near float
    /// precision; a smaller one buys nothing. The relu check keeps its inputs at least 500 steps
    /// from the kink, so no probe crosses it.
    /// </summary>
    public const double Step = 1e-4;

    /// <summary>d loss / d point, one coordinate at a time.</summary>
    public static double[] Gradient(double[] point, Func<double[], double> loss)
    {
        var gradient = new double[point.Length];
        var probe = (double[])point.Clone();
        for (var i = 0; i < point.Length; i++)
        {
            probe[i] = point[i] + Step;
            var above = loss(probe);
            probe[i] = point[i] - Step;
            var below = loss(probe);
            probe[i] = point[i];
            gradient[i] = (above - below) / (2 * Step);
        }
        return gradient;
    }
}
