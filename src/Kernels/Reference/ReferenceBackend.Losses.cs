namespace Descent.Kernels.Reference;

public partial class ReferenceBackend
{
    protected override void SoftmaxCrossEntropyCore(DeviceBuffer<float> logits, DeviceBuffer<int> labels, DeviceBuffer<float> dLogits,
        DeviceBuffer<float> rowStats, DeviceBuffer<float> metrics, int slot, int rows, int cols)
    {
        var logitValues = Widen(logits, rows * cols);
        var labelValues = HostElements(labels).ToArray();
        var rowLoss = new double[rows];
        var rowCorrect = new double[rows];
        var gradient = new double[rows * cols];
        ReferenceMath.SoftmaxCrossEntropyForward(rowLoss, rowCorrect, logitValues, labelValues, rows, cols);
        ReferenceMath.SoftmaxCrossEntropyBackward(gradient, logitValues, labelValues, rows, cols);
        Store(gradient, dLogits);
        StoreLossOutputs(rowLoss, rowCorrect, rowStats, metrics, slot, rows);
    }

    protected override void BinaryLossCore(BinaryLoss loss, DeviceBuffer<float> logits, DeviceBuffer<int> targets,
        DeviceBuffer<float> dLogits, DeviceBuffer<float> rowStats, DeviceBuffer<float> metrics, int slot, int rows)
    {
        var logitValues = Widen(logits, rows);
        var targetValues = HostElements(targets).ToArray();
        var rowLoss = new double[rows];
        var rowCorrect = new double[rows];
        var gradient = new double[rows];
        ReferenceMath.BinaryLossForward(loss, rowLoss, rowCorrect, logitValues, targetValues, rows);
        ReferenceMath.BinaryLossBackward(loss, gradient, logitValues, targetValues, rows);
        Store(gradient, dLogits);
        StoreLossOutputs(rowLoss, rowCorrect, rowStats, metrics, slot, rows);
    }

    /// <summary>rowStats = [row losses (B), row correct flags (B)]; the metric slot summed in double from the double row losses.</summary>
    private static void StoreLossOutputs(double[] rowLoss, double[] rowCorrect, DeviceBuffer<float> rowStats,
        DeviceBuffer<float> metrics, int slot, int rows)
    {
        Store(rowLoss, rowStats);
        Store(rowCorrect, rowStats, offset: rows);
        var metricValues = Widen(metrics, metrics.Length);
        ReferenceMath.WriteMetricSlot(metricValues, slot, rowLoss, rowCorrect, rows);
        Store(metricValues.AsSpan(slot * MetricSlot.Width, MetricSlot.Width), metrics, offset: slot * MetricSlot.Width);
    }
}
