namespace Descent.Kernels.Conformance;

/// <summary>
/// The bound each op is held to, and why. Every input is a float that the reference sees exactly,
/// so only the backend's own float32 arithmetic counts; u = 2^-24 is its unit roundoff (about 6e-8).
/// Each bound is loose enough for any honest float32 kernel (other summation orders, fused
/// multiply-add, a GPU's approximate exp) and tight enough that a wrong index, a missed term or a
/// wrong formula, which all err by far more than 1e-3 relative, cannot pass.
/// </summary>
internal static class Tolerances
{
    public const double UnitRoundoff = 1.0 / (1 << 24);

    /// <summary>
    /// A few roundings per element, plus exp, log and tanh, which a GPU may implement loosely
    /// (GLSL promises exp only to 3 + 2|x| ulp: about 1.4e-6 relative over the input ranges used here).
    /// rtol 1e-5 is about 170 ulp; the 1e-6 floor covers cancellation next to zero (tanh of a small x
    /// computed through exp, 1 - p with p close to 1, a standardised pixel close to 0).
    /// </summary>
    public static Tolerance Elementwise { get; } = new(1e-6, 1e-5);

    /// <summary>
    /// A float sum of <paramref name="terms"/> terms, each at most <paramref name="termBound"/> in size.
    /// Its error is about sqrt(n) u sum|terms| in practice (Higham and Mary, 2019) and n u sum|terms| at
    /// worst; atol = sqrt(n) u n termBound allows the practical bound with sum|terms| at its largest,
    /// in any summation order. rtol carries the per-term error of the inputs to the sum.
    /// </summary>
    public static Tolerance Sum(int terms, double termBound) =>
        new(Math.Max(Elementwise.Absolute, Math.Sqrt(terms) * terms * UnitRoundoff * termBound), Elementwise.Relative);

    /// <summary>
    /// GEMM sums K products of inputs drawn from [-1, 1], so each term is at most 1 and sum|a b| is
    /// about K/4: <see cref="Sum"/>(K, 1) is four times the practical bound. For K = 784 that is an atol
    /// of 1.3e-3 next to results of size about 9 (elementwise rtol would wrongly fail a correct
    /// tiled kernel there); for K = 53, 2.3e-5.
    /// </summary>
    public static Tolerance Gemm(int k) => Sum(k, 1);

    /// <summary>A loss gradient is a per-row derivative divided by B, so its absolute floor shrinks with it.</summary>
    public static Tolerance LossGradient(int rows) => new(Elementwise.Absolute / rows, Elementwise.Relative);

    /// <summary>
    /// A backend's float gradient against central differences in double. The differences themselves
    /// err by about 1e-9 relative (see <see cref="FiniteDifferences.Step"/>), so the bound is the
    /// backend's: ten times the elementwise one, because a backward reads the backend's own float
    /// forward output, whose rounding factors such as 1 - y or 1 - y^2 amplify. The floor scales with
    /// the gradient's size (1 for a layer, 1/B for a mean loss).
    /// </summary>
    public static Tolerance FiniteDifference(double gradientScale) =>
        new(Elementwise.Absolute * gradientScale, 10 * Elementwise.Relative);
}
