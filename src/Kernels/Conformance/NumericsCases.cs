using Descent.Kernels.Reference;

namespace Descent.Kernels.Conformance;

/// <summary>
/// Inputs that break the textbook formulas: logits of +-1000 (exp overflows float beyond about 88),
/// sigmoid and tanh at +-100 (e^100 is infinite in float, and inf/inf is NaN), the binary losses at
/// +-100, and labels or targets outside their range, which must raise the non-finite flag.
/// Results must stay finite wherever the reference is, and still match it.
/// </summary>
internal static class NumericsCases
{
    private static readonly float[] SaturatingInputs = [100f, -100f, 50f, -50f, 20f, -20f, 0f];

    public static IEnumerable<ConformanceCase> Create()
    {
        yield return new("numerics softmax cross-entropy +-1000", nameof(ComputeBackend.SoftmaxCrossEntropy), backend =>
        {
            var labels = SeededInputs.Integers(SeededInputs.NewGenerator(), 6, 0, 10);
            var comparison = new Comparison();
            LossCases.CheckSoftmaxCrossEntropy(backend, comparison, HugeLogits(6, 10), labels, 10);
            return comparison.Result("numerics softmax cross-entropy +-1000");
        });
        yield return new("numerics sigmoid tanh +-100", nameof(ComputeBackend.ActivationForward), SaturatedActivations);
        yield return new("numerics binary losses +-100", nameof(ComputeBackend.BinaryLossForwardBackward), backend =>
        {
            float[] logits = [100f, -100f, 100f, -100f, 30f, -30f];
            int[] targets = [1, 1, 0, 0, 0, 1];
            var comparison = new Comparison();
            foreach (var loss in Enum.GetValues<BinaryLoss>())
            {
                LossCases.CheckBinaryLoss(backend, comparison, loss, logits, targets);
            }
            return comparison.Result("numerics binary losses +-100");
        });
        yield return new("numerics label out of range", nameof(ComputeBackend.SoftmaxCrossEntropy), backend =>
        {
            var (logits, _) = LossCases.SoftmaxCrossEntropyInputs(6, 10);
            int[] labels = [3, 10, 0, -1, 9, 2];
            var comparison = new Comparison();
            LossCases.CheckSoftmaxCrossEntropy(backend, comparison, logits, labels, 10);
            return comparison.Result("numerics label out of range");
        });
        yield return new("numerics target out of range", nameof(ComputeBackend.BinaryLossForwardBackward), backend =>
        {
            var (logits, _) = LossCases.BinaryInputs(5);
            int[] targets = [1, 2, 0, -1, 1];
            var comparison = new Comparison();
            foreach (var loss in Enum.GetValues<BinaryLoss>())
            {
                LossCases.CheckBinaryLoss(backend, comparison, loss, logits, targets);
            }
            return comparison.Result("numerics target out of range");
        });
    }

    /// <summary>Each logit +1000, -1000 or ordinary, so rows hold one or several huge maxima, or none.</summary>
    private static float[] HugeLogits(int rows, int cols)
    {
        var random = SeededInputs.NewGenerator();
        var logits = new float[rows * cols];
        for (var i = 0; i < logits.Length; i++)
        {
            logits[i] = random.Next(3) switch
            {
                0 => 1000f,
                1 => -1000f,
                _ => (float)(random.NextDouble() * 10 - 5),
            };
        }
        return logits;
    }

    /// <summary>Forward, and backward from the reference's saturated outputs (y of exactly 0 or +-1 in float).</summary>
    private static ConformanceResult SaturatedActivations(ComputeBackend backend)
    {
        var count = SaturatingInputs.Length;
        var dY = SeededInputs.Uniform(SeededInputs.NewGenerator(), count, -1, 1);
        var comparison = new Comparison();
        foreach (var activation in new[] { Activation.Sigmoid, Activation.Tanh })
        {
            var label = CliNames.Of(activation);
            using var scope = new BufferScope(backend);
            var y = scope.Allocate<float>(count);
            var dX = scope.Allocate<float>(count);
            backend.ActivationForward(activation, scope.Upload(SaturatingInputs), y, count);

            var expectedY = new double[count];
            ReferenceMath.ActivationForward(activation, expectedY, Precision.Widen(SaturatingInputs), count);
            var narrowY = Precision.Narrow(expectedY);
            backend.ActivationBackward(activation, scope.Upload(dY), scope.Upload(narrowY), dX, count);
            var expectedDX = new double[count];
            ReferenceMath.ActivationBackward(activation, expectedDX, Precision.Widen(dY), Precision.Widen(narrowY), count);

            comparison.Close(label + " y", scope.Download(y), expectedY, Tolerances.Elementwise);
            comparison.Close(label + " dX", scope.Download(dX), expectedDX, Tolerances.Elementwise);
        }
        return comparison.Result("numerics sigmoid tanh +-100");
    }
}
