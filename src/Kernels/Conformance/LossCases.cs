using Descent.Kernels.Reference;

namespace Descent.Kernels.Conformance;

/// <summary>
/// The fused losses against the reference: softmax cross-entropy and the three binary losses, each
/// checked on everything it writes (row losses, row correct flags, the gradient, the metric slot)
/// and on what it must leave alone (the other slots of the metric buffer).
/// </summary>
internal static class LossCases
{
    // An epoch's metric buffer holds a slot per batch: the cases write slot 2 of 4, so a backend that
    // ignores the slot index, or writes past its slot, shows up in the sentinel of another slot.
    private const int MetricSlots = 4;
    private const int SlotUnderTest = 2;
    private const float UntouchedSentinel = -7.25f;

    private static readonly (int Rows, int Cols)[] SoftmaxCrossEntropyShapes = [(1, 10), (37, 10), (256, 10), (37, 2)];

    private static readonly int[] BinaryRows = [1, 37, 256];

    // PyTorch's label_smoothing: a common setting, and 1, where the target is uniform and the label no longer counts.
    private static readonly (int Rows, int Cols, float LabelSmoothing)[] SmoothedShapes = [(37, 10, 0.1f), (256, 10, 0.1f), (37, 2, 1f)];

    public static IEnumerable<ConformanceCase> Create()
    {
        foreach (var (rows, cols) in SoftmaxCrossEntropyShapes)
        {
            var name = $"softmax cross-entropy {rows}x{cols}";
            yield return new(name, nameof(ComputeBackend.SoftmaxCrossEntropy), backend =>
            {
                var (logits, labels) = SoftmaxCrossEntropyInputs(rows, cols);
                var comparison = new Comparison();
                CheckSoftmaxCrossEntropy(backend, comparison, logits, labels, cols);
                return comparison.Result(name);
            });
        }
        foreach (var (rows, cols, labelSmoothing) in SmoothedShapes)
        {
            var name = FormattableString.Invariant($"softmax cross-entropy {rows}x{cols} label smoothing {labelSmoothing}");
            yield return new(name, nameof(ComputeBackend.SoftmaxCrossEntropy), backend =>
            {
                var (logits, labels) = SoftmaxCrossEntropyInputs(rows, cols);
                var comparison = new Comparison();
                CheckSoftmaxCrossEntropy(backend, comparison, logits, labels, cols, labelSmoothing);
                return comparison.Result(name);
            });
        }
        foreach (var loss in Enum.GetValues<BinaryLoss>())
        {
            foreach (var rows in BinaryRows)
            {
                var name = $"{Label(loss)} loss {rows}";
                yield return new(name, nameof(ComputeBackend.BinaryLossForwardBackward), backend =>
                {
                    var (logits, targets) = BinaryInputs(rows);
                    var comparison = new Comparison();
                    CheckBinaryLoss(backend, comparison, loss, logits, targets);
                    return comparison.Result(name);
                });
            }
        }
    }

    public static string Label(BinaryLoss loss) => loss switch
    {
        BinaryLoss.Mnist => "mnist",
        BinaryLoss.BinaryCrossEntropy => "bce",
        BinaryLoss.MeanSquaredError => "mse",
        _ => throw new ArgumentOutOfRangeException(nameof(loss), loss, "unknown binary loss"),
    };

    /// <summary>Logits in [-4, 4] (losses up to about 10) and labels anywhere in [0, C).</summary>
    public static (float[] Logits, int[] Labels) SoftmaxCrossEntropyInputs(int rows, int cols)
    {
        var random = SeededInputs.NewGenerator();
        return (SeededInputs.Uniform(random, rows * cols, -4, 4), SeededInputs.Integers(random, rows, 0, cols));
    }

    /// <summary>
    /// Logits in [-4, 4] but at least 0.01 from 0, where p = 0.5 and a float sigmoid and a double one
    /// could honestly disagree about p &gt; 0.5; targets 0 or 1.
    /// </summary>
    public static (float[] Logits, int[] Targets) BinaryInputs(int rows)
    {
        var random = SeededInputs.NewGenerator();
        return (SeededInputs.AwayFromZero(random, rows, 0.01, 4), SeededInputs.Integers(random, rows, 0, 2));
    }

    /// <summary>
    /// Runs softmax cross-entropy on the backend and compares all it writes with the reference. A row
    /// whose label lies outside [0, C) must have a NaN loss and count as wrong; its gradient is left
    /// open by the contract and not compared.
    /// </summary>
    public static void CheckSoftmaxCrossEntropy(ComputeBackend backend, Comparison comparison, float[] logits, int[] labels, int cols,
        float labelSmoothing = 0f)
    {
        var rows = labels.Length;
        using var scope = new BufferScope(backend);
        var outputs = LossOutputs.Allocate(scope, rows * cols, rows);
        backend.SoftmaxCrossEntropy(scope.Upload(logits), scope.Upload(labels), outputs.DLogits, outputs.RowStats,
            outputs.Metrics, SlotUnderTest, rows, cols, labelSmoothing);

        var wideLogits = Precision.Widen(logits);
        var expected = new ExpectedLoss(new double[rows], new double[rows], new double[rows * cols]);
        ReferenceMath.SoftmaxCrossEntropyForward(expected.RowLoss, expected.RowCorrect, wideLogits, labels, rows, cols, labelSmoothing);
        ReferenceMath.SoftmaxCrossEntropyBackward(expected.DLogits, wideLogits, labels, rows, cols, labelSmoothing);
        var validRow = Array.ConvertAll(labels, label => label >= 0 && label < cols);
        Compare(scope, comparison, "", outputs, expected, cols, validRow, invalidRowsCountAsWrong: true);
    }

    /// <summary>
    /// Runs a binary loss on the backend and compares all it writes with the reference. A row whose
    /// target lies outside {0, 1} must have a NaN loss; whether it counts as correct, and its gradient,
    /// the contract leaves open, so neither is compared (nor, then, the correct count).
    /// </summary>
    public static void CheckBinaryLoss(ComputeBackend backend, Comparison comparison, BinaryLoss loss, float[] logits, int[] targets)
    {
        var rows = targets.Length;
        using var scope = new BufferScope(backend);
        var outputs = LossOutputs.Allocate(scope, rows, rows);
        backend.BinaryLossForwardBackward(loss, scope.Upload(logits), scope.Upload(targets), outputs.DLogits, outputs.RowStats,
            outputs.Metrics, SlotUnderTest, rows);

        var wideLogits = Precision.Widen(logits);
        var expected = new ExpectedLoss(new double[rows], new double[rows], new double[rows]);
        ReferenceMath.BinaryLossForward(loss, expected.RowLoss, expected.RowCorrect, wideLogits, targets, rows);
        ReferenceMath.BinaryLossBackward(loss, expected.DLogits, wideLogits, targets, rows);
        var validRow = Array.ConvertAll(targets, target => target is 0 or 1);
        Compare(scope, comparison, Label(loss) + " ", outputs, expected, 1, validRow, invalidRowsCountAsWrong: false);
    }

    private static void Compare(BufferScope scope, Comparison comparison, string prefix, LossOutputs outputs, ExpectedLoss expected,
        int cols, bool[] validRow, bool invalidRowsCountAsWrong)
    {
        var rows = validRow.Length;
        var rowStats = scope.Download(outputs.RowStats);
        Func<int, bool>? rowsWithKnownCorrectness = invalidRowsCountAsWrong ? null : row => validRow[row];
        comparison.Close(prefix + "row loss", rowStats.AsSpan(0, rows), expected.RowLoss, Tolerances.Elementwise);
        comparison.Exact(prefix + "row correct", rowStats.AsSpan(rows, rows), Precision.Narrow(expected.RowCorrect),
            rowsWithKnownCorrectness);
        comparison.Close(prefix + "dLogits", scope.Download(outputs.DLogits), expected.DLogits, Tolerances.LossGradient(rows),
            index => validRow[index / cols]);

        var expectedMetrics = Precision.Widen(SeededInputs.Repeat(UntouchedSentinel, MetricSlots * MetricSlot.Width));
        ReferenceMath.WriteMetricSlot(expectedMetrics, SlotUnderTest, expected.RowLoss, expected.RowCorrect, rows);
        var narrowMetrics = Precision.Narrow(expectedMetrics);
        var metrics = scope.Download(outputs.Metrics);
        var slotStart = SlotUnderTest * MetricSlot.Width;
        var largestRowLoss = expected.RowLoss.Where(double.IsFinite).Select(Math.Abs).DefaultIfEmpty(0).Max();
        comparison.Close(prefix + "metric loss sum", metrics.AsSpan(slotStart + MetricSlot.LossSum, 1),
            expectedMetrics.AsSpan(slotStart + MetricSlot.LossSum, 1), Tolerances.Sum(rows, largestRowLoss));
        if (invalidRowsCountAsWrong || validRow.All(valid => valid))
        {
            comparison.Exact(prefix + "metric correct", metrics.AsSpan(slotStart + MetricSlot.Correct, 1),
                narrowMetrics.AsSpan(slotStart + MetricSlot.Correct, 1));
        }
        comparison.Exact(prefix + "metric non-finite flag", metrics.AsSpan(slotStart + MetricSlot.NonFinite, 1),
            narrowMetrics.AsSpan(slotStart + MetricSlot.NonFinite, 1));
        comparison.Exact(prefix + "other metric slots", metrics, narrowMetrics, index => index / MetricSlot.Width != SlotUnderTest);
    }

    /// <summary>The buffers a loss op writes, the metric buffer pre-filled with the sentinel.</summary>
    private sealed record LossOutputs(DeviceBuffer<float> DLogits, DeviceBuffer<float> RowStats, DeviceBuffer<float> Metrics)
    {
        public static LossOutputs Allocate(BufferScope scope, int logitCount, int rows) => new(
            scope.Allocate<float>(logitCount),
            scope.Allocate<float>(2 * rows),
            scope.Upload(SeededInputs.Repeat(UntouchedSentinel, MetricSlots * MetricSlot.Width)));
    }

    private sealed record ExpectedLoss(double[] RowLoss, double[] RowCorrect, double[] DLogits);
}
