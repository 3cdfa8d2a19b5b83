namespace Descent.Kernels;

/// <summary>
/// The lesson's two-class losses. Each takes one logit z per row, applies p = sigmoid(z) inside,
/// and compares with a target t in {0, 1}. A row counts as correct when (p &gt; 0.5) == (t == 1).
/// Backends select by the member's number, so members are only ever appended.
/// </summary>
public enum BinaryLoss
{
    /// <summary>The lesson's mnist_loss: where(t == 1, 1 - p, p).</summary>
    Mnist,

    /// <summary>Binary cross-entropy in its stable with-logits form: max(z, 0) - z*t + log(1 + e^-|z|).</summary>
    BinaryCrossEntropy,

    /// <summary>Squared error of the probability: (p - t)^2.</summary>
    MeanSquaredError,
}
