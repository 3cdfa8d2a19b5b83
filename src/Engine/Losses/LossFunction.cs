using Descent.Kernels;

namespace Descent.Engine.Losses;

/// <summary>
/// A loss fused with its gradient: one call computes every row's loss, dLoss/dlogits of the batch's
/// mean loss, and the batch's metric slot (loss sum, correct count, non-finite flag).
/// </summary>
public abstract class LossFunction
{
    public static LossFunction CrossEntropy { get; } = new SoftmaxCrossEntropyLoss();

    public static LossFunction Mnist { get; } = new BinaryLossFunction(BinaryLoss.Mnist, "mnist");

    public static LossFunction BinaryCrossEntropy { get; } = new BinaryLossFunction(BinaryLoss.BinaryCrossEntropy, "bce");

    public static LossFunction MeanSquaredError { get; } = new BinaryLossFunction(BinaryLoss.MeanSquaredError, "mse");

    /// <summary>Every loss, in the order the command line lists them.</summary>
    public static IReadOnlyList<LossFunction> All { get; } = [CrossEntropy, Mnist, BinaryCrossEntropy, MeanSquaredError];

    /// <summary>The name the command line uses.</summary>
    public abstract string Name { get; }

    /// <summary>True when the loss takes one logit per row (two classes through a sigmoid).</summary>
    public abstract bool SingleOutput { get; }

    /// <summary>PyTorch's label_smoothing: the weight, in [0, 1], taken from the label and spread evenly over every class.</summary>
    public virtual float LabelSmoothing => 0f;

    /// <summary>
    /// This loss with its targets smoothed by <paramref name="labelSmoothing"/>; only cross-entropy has more than one class to
    /// spread over, so any other loss takes 0 alone.
    /// </summary>
    public virtual LossFunction WithLabelSmoothing(float labelSmoothing) =>
        labelSmoothing == 0f ? this : throw new InvalidInputException($"--label-smoothing is for cross-entropy, not loss {Name}");

    /// <summary>Looks a loss up by its command-line name.</summary>
    public static LossFunction Parse(string name) =>
        All.FirstOrDefault(loss => loss.Name == name)
        ?? throw new InvalidInputException($"unknown loss '{name}'; choose {string.Join(", ", All.Select(loss => loss.Name))}");

    /// <param name="logits">(B, outputs) model output.</param>
    /// <param name="labels">(B) class index, or 1/0 target for a single-output loss.</param>
    /// <param name="logitGradient">(B, outputs) receives dLoss/dlogits.</param>
    /// <param name="rowStats">(2B) scratch: per-row loss and correct flag.</param>
    public abstract void ForwardBackward(ComputeBackend backend, DeviceBuffer<float> logits, DeviceBuffer<int> labels,
        DeviceBuffer<float> logitGradient, DeviceBuffer<float> rowStats, DeviceBuffer<float> metrics, int slot, int rows, int outputs);

    /// <summary>Softmax cross-entropy; its reported loss, in training and evaluation alike, is the smoothed one, as PyTorch's.</summary>
    private sealed class SoftmaxCrossEntropyLoss(float labelSmoothing = 0f) : LossFunction
    {
        public override string Name => "cross-entropy";

        public override bool SingleOutput => false;

        public override float LabelSmoothing => labelSmoothing;

        public override LossFunction WithLabelSmoothing(float smoothing)
        {
            if (!(smoothing >= 0f && smoothing <= 1f))
            {
                throw new InvalidInputException($"--label-smoothing must be in [0, 1], as PyTorch's, got {smoothing}");
            }
            return smoothing == labelSmoothing ? this : new SoftmaxCrossEntropyLoss(smoothing);
        }

        public override void ForwardBackward(ComputeBackend backend, DeviceBuffer<float> logits, DeviceBuffer<int> labels,
            DeviceBuffer<float> logitGradient, DeviceBuffer<float> rowStats, DeviceBuffer<float> metrics, int slot, int rows, int outputs) =>
            backend.SoftmaxCrossEntropy(logits, labels, logitGradient, rowStats, metrics, slot, rows, outputs, labelSmoothing);
    }

    private sealed class BinaryLossFunction(BinaryLoss kind, string name) : LossFunction
    {
        public override string Name => name;

        public override bool SingleOutput => true;

        public override void ForwardBackward(ComputeBackend backend, DeviceBuffer<float> logits, DeviceBuffer<int> labels,
            DeviceBuffer<float> logitGradient, DeviceBuffer<float> rowStats, DeviceBuffer<float> metrics, int slot, int rows, int outputs) =>
            backend.BinaryLossForwardBackward(kind, logits, labels, logitGradient, rowStats, metrics, slot, rows);
    }
}
