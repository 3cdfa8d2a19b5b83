namespace Descent.Kernels;

/// <summary>Element-wise nonlinearities. Each backward is written in terms of the forward output y.</summary>
public enum Activation
{
    /// <summary>y = max(x, 0); dx = dy where y &gt; 0.</summary>
    Relu,

    /// <summary>y = 1 / (1 + e^-x); dx = dy * y * (1 - y).</summary>
    Sigmoid,

    /// <summary>y = tanh(x); dx = dy * (1 - y^2).</summary>
    Tanh,
}

/// <summary>
/// The lesson's two-class losses. Each takes one logit z per row, applies p = sigmoid(z) inside,
/// and compares with a target t in {0, 1}. A row counts as correct when (p &gt; 0.5) == (t == 1).
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

/// <summary>Which GEMM kernel a backend runs. Auto lets the backend choose for its device.</summary>
public enum GemmAlgorithm
{
    Auto,

    /// <summary>One output element per thread, a plain dot product: the reference variant.</summary>
    Naive,

    /// <summary>Shared-memory (or register) tiles: the variant meant for real GPUs.</summary>
    Tiled,
}

/// <summary>
/// Layout of the metric buffer that loss ops write: one slot per batch, so an epoch's figures are
/// read back once and summed on the host in a fixed order (no float atomics anywhere).
/// </summary>
public static class MetricSlot
{
    /// <summary>Floats per slot.</summary>
    public const int Width = 3;

    /// <summary>Sum over the batch's rows of the per-row loss.</summary>
    public const int LossSum = 0;

    /// <summary>Number of rows predicted correctly (exact in float up to 2^24).</summary>
    public const int Correct = 1;

    /// <summary>1 when any row's loss was NaN or infinite, else 0.</summary>
    public const int NonFinite = 2;
}

/// <summary>Hyper-parameters of one AdamW step; <see cref="Step"/> counts from 1.</summary>
public readonly record struct AdamWSettings(
    float LearningRate,
    float Beta1,
    float Beta2,
    float Epsilon,
    float WeightDecay,
    int Step);
