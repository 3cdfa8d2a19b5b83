namespace Descent.Kernels.Conformance;

/// <summary>
/// The same op on the same inputs, twice, must give identical bits: Descent promises bit-reproducible
/// training, which rules out float atomics and any summation order that depends on scheduling.
/// </summary>
internal static class DeterminismCases
{
    private const int Rows = 256;
    private const int Classes = 10;

    public static IEnumerable<ConformanceCase> Create()
    {
        yield return Twice("determinism gemm", nameof(ComputeBackend.Gemm),
            backend => backend.GemmAlgorithms.SelectMany(algorithm => Gemm(backend, algorithm)));
        yield return Twice("determinism linear forward", nameof(ComputeBackend.LinearForward),
            backend => [("y", LinearCases.OnBackend(backend, 130, 300, 70, Activation.Relu))]);
        yield return Twice("determinism bias backward", nameof(ComputeBackend.BiasBackward), BiasBackward);
        yield return Twice("determinism softmax cross-entropy", nameof(ComputeBackend.SoftmaxCrossEntropy), SoftmaxCrossEntropy);
        yield return Twice("determinism binary losses", nameof(ComputeBackend.BinaryLossForwardBackward), BinaryLosses);
        yield return Twice("determinism sgd", nameof(ComputeBackend.SgdUpdate), Sgd);
        yield return Twice("determinism adamw", nameof(ComputeBackend.AdamWUpdate), AdamW);
        yield return Twice("determinism conv forward", nameof(ComputeBackend.Conv2dForward),
            backend => [("y", ConvolutionCases.ForwardOnBackend(backend, ConvolutionCases.Large, Activation.Relu))]);
        yield return Twice("determinism conv backward input", nameof(ComputeBackend.Conv2dBackwardInput),
            backend => [("dX", ConvolutionCases.BackwardInputOnBackend(backend, ConvolutionCases.Large))]);
        yield return Twice("determinism conv backward weight", nameof(ComputeBackend.Conv2dBackwardWeight), ConvBackwardWeight);
        yield return Twice("determinism maxpool", nameof(ComputeBackend.MaxPool2dForward), MaxPool);
        yield return Twice("determinism dropout", nameof(ComputeBackend.DropoutForward), Dropout);
        yield return Twice("determinism adadelta", nameof(ComputeBackend.AdadeltaUpdate), Adadelta);
        yield return Twice("determinism batchnorm", nameof(ComputeBackend.BatchNormForwardTraining), BatchNorm);
    }

    /// <summary>Runs <paramref name="outputs"/> twice and requires every named output to match bit for bit.</summary>
    private static ConformanceCase Twice(string name, string op, Func<ComputeBackend, IEnumerable<(string Name, float[] Values)>> outputs) =>
        new(name, op, backend =>
        {
            var first = outputs(backend).ToList();
            var second = outputs(backend).ToList();
            var comparison = new Comparison();
            for (var i = 0; i < first.Count; i++)
            {
                comparison.Exact(first[i].Name, second[i].Values, first[i].Values);
            }
            return comparison.Result(name);
        });

    /// <summary>The odd shape with alpha and beta, and the long inner dimension where a split sum would show.</summary>
    private static IEnumerable<(string, float[])> Gemm(ComputeBackend backend, GemmAlgorithm algorithm)
    {
        foreach (var spec in new[]
                 {
                     new GemmSpec(algorithm, false, true, 37, 53, 29, 0.7f, 0.3f),
                     new GemmSpec(algorithm, false, false, 1, 784, 30, 1f, 0f),
                 })
        {
            var (a, b, c) = GemmCases.Inputs(spec, nanInC: false);
            yield return ($"C {spec}", GemmCases.OnBackend(backend, spec, a, b, c));
        }
    }

    private static IEnumerable<(string, float[])> BiasBackward(ComputeBackend backend)
    {
        var random = SeededInputs.NewGenerator();
        var dY = SeededInputs.Uniform(random, Rows * Classes, -1, 1);
        using var scope = new BufferScope(backend);
        var dBias = scope.Upload(SeededInputs.Uniform(random, Classes, -1, 1));
        backend.BiasBackward(scope.Upload(dY), dBias, Rows, Classes, 1f);
        yield return ("dBias", scope.Download(dBias));
    }

    private static IEnumerable<(string, float[])> SoftmaxCrossEntropy(ComputeBackend backend)
    {
        var (logits, labels) = LossCases.SoftmaxCrossEntropyInputs(Rows, Classes);
        using var scope = new BufferScope(backend);
        var dLogits = scope.Allocate<float>(Rows * Classes);
        var rowStats = scope.Allocate<float>(2 * Rows);
        var metrics = scope.Allocate<float>(MetricSlot.Width);
        backend.SoftmaxCrossEntropy(scope.Upload(logits), scope.Upload(labels), dLogits, rowStats, metrics, 0, Rows, Classes);
        yield return ("dLogits", scope.Download(dLogits));
        yield return ("rowStats", scope.Download(rowStats));
        yield return ("metrics", scope.Download(metrics));
    }

    private static IEnumerable<(string, float[])> BinaryLosses(ComputeBackend backend)
    {
        var (logits, targets) = LossCases.BinaryInputs(Rows);
        foreach (var loss in Enum.GetValues<BinaryLoss>())
        {
            using var scope = new BufferScope(backend);
            var dLogits = scope.Allocate<float>(Rows);
            var rowStats = scope.Allocate<float>(2 * Rows);
            var metrics = scope.Allocate<float>(MetricSlot.Width);
            backend.BinaryLossForwardBackward(loss, scope.Upload(logits), scope.Upload(targets), dLogits, rowStats, metrics, 0, Rows);
            var label = LossCases.Label(loss);
            yield return ($"{label} dLogits", scope.Download(dLogits));
            yield return ($"{label} rowStats", scope.Download(rowStats));
            yield return ($"{label} metrics", scope.Download(metrics));
        }
    }

    private static IEnumerable<(string, float[])> Sgd(ComputeBackend backend)
    {
        var (parameters, gradients) = OptimizerCases.Inputs();
        var (finalParameters, velocity) = OptimizerCases.SgdOnBackend(backend, parameters, gradients, momentum: 0.9f, weightDecay: 0.01f,
            nesterov: true);
        yield return ("parameters", finalParameters);
        yield return ("velocity", velocity);
    }

    private static IEnumerable<(string, float[])> AdamW(ComputeBackend backend)
    {
        var (parameters, gradients) = OptimizerCases.Inputs();
        var (finalParameters, firstMoment, secondMoment) = OptimizerCases.AdamWOnBackend(backend, parameters, gradients, weightDecay: 0.01f);
        yield return ("parameters", finalParameters);
        yield return ("first moment", firstMoment);
        yield return ("second moment", secondMoment);
    }

    private static IEnumerable<(string, float[])> ConvBackwardWeight(ComputeBackend backend)
    {
        var (dWeight, dBias) = ConvolutionCases.BackwardWeightOnBackend(backend, ConvolutionCases.Large);
        yield return ("dW", dWeight);
        yield return ("dBias", dBias);
    }

    /// <summary>The forward (its argmax as floats) and the backward, whose overlapping windows sum.</summary>
    private static IEnumerable<(string, float[])> MaxPool(ComputeBackend backend)
    {
        var shape = PoolingCases.Large;
        var (y, argmax) = PoolingCases.ForwardOnBackend(backend, shape,
            SeededInputs.Uniform(SeededInputs.NewGenerator(), (int)shape.InputLength, -1, 1));
        yield return ("y", y);
        yield return ("argmax", Array.ConvertAll(argmax, index => (float)index));
        yield return ("overlapping dX", PoolingCases.BackwardOnBackend(backend, PoolingCases.Shapes[1]));
    }

    private static IEnumerable<(string, float[])> Dropout(ComputeBackend backend)
    {
        var (count, step) = (DropoutCases.Counts[^1], DropoutCases.Steps[0]);
        yield return ("y", DropoutCases.OnBackend(backend, count, step, backward: false, inPlace: false));
        yield return ("dX", DropoutCases.OnBackend(backend, count, step, backward: true, inPlace: false));
    }

    private static IEnumerable<(string, float[])> Adadelta(ComputeBackend backend)
    {
        var (parameters, gradients) = OptimizerCases.Inputs();
        var (finalParameters, squareAverage, deltaAverage) = OptimizerCases.AdadeltaOnBackend(backend, parameters, gradients, weightDecay: 0.01f);
        yield return ("parameters", finalParameters);
        yield return ("square average", squareAverage);
        yield return ("delta average", deltaAverage);
    }

    /// <summary>The training forward's outputs and the backward's gradients on the large shape, where a split sum would show.</summary>
    private static IEnumerable<(string, float[])> BatchNorm(ComputeBackend backend)
    {
        var shape = NormalizationCases.Large;
        var inputs = NormalizationCases.Inputs.For(shape);
        var outputs = NormalizationCases.TrainingOnBackend(backend, shape, inputs);
        yield return ("y", outputs.Y);
        yield return ("saveMean", outputs.SaveMean);
        yield return ("saveInvStd", outputs.SaveInvStd);
        yield return ("runningMean", outputs.RunningMean);
        yield return ("runningVar", outputs.RunningVar);
        var (dX, dWeight, dBias) = NormalizationCases.BackwardOnBackend(backend, shape, inputs, outputs.SaveMean, outputs.SaveInvStd);
        yield return ("dX", dX);
        yield return ("dWeight", dWeight);
        yield return ("dBias", dBias);
    }
}
