using Descent.Kernels.Reference;

namespace Descent.Kernels.Conformance;

/// <summary>
/// Batch normalisation against the reference, training forward (y, the saved statistics and the updated running
/// ones), evaluation forward and backward, on image batches (BatchNorm2d), feature rows (BatchNorm1d, plane 1),
/// the smallest batch that has a variance (two values per channel) and a large batch a backend may split. x is
/// drawn around 2 rather than 0, so a one-pass variance (E[x^2] - mean^2) would lose digits and fail. Outputs start
/// as NaN: every op overwrites them.
/// </summary>
internal static class NormalizationCases
{
    public const float Momentum = 0.1f;
    public const float Eps = 1e-5f;

    public static readonly BatchNormShape[] Shapes =
    [
        new(Batch: 2, Channels: 3, PlaneSize: 35),
        new(Batch: 8, Channels: 5, PlaneSize: 1),
        new(Batch: 2, Channels: 4, PlaneSize: 1),
        new(Batch: 1, Channels: 2, PlaneSize: 6),
        Large,
    ];

    /// <summary>A CNN's first normalised layer on a batch of 4: big enough for a backend to split it.</summary>
    public static BatchNormShape Large => new(Batch: 4, Channels: 16, PlaneSize: 12 * 12);

    public static IEnumerable<ConformanceCase> Create()
    {
        foreach (var shape in Shapes)
        {
            var label = Label(shape);
            var training = $"batchnorm forward training {label}";
            yield return new(training, nameof(ComputeBackend.BatchNormForwardTraining), backend => Training(backend, training, shape));
            var evaluation = $"batchnorm forward evaluation {label}";
            yield return new(evaluation, nameof(ComputeBackend.BatchNormForwardEvaluation),
                backend => Evaluation(backend, evaluation, shape));
            var backward = $"batchnorm backward {label}";
            yield return new(backward, nameof(ComputeBackend.BatchNormBackward), backend => Backward(backend, backward, shape));
        }
    }

    /// <summary>"2x3x35": N x C x plane size.</summary>
    public static string Label(BatchNormShape shape) => $"{shape.Batch}x{shape.Channels}x{shape.PlaneSize}";

    /// <summary>The inputs of one normalisation: x, weight, bias, running mean and variance, and dY.</summary>
    public sealed record Inputs(float[] X, float[] Weight, float[] Bias, float[] RunningMean, float[] RunningVar, float[] DY)
    {
        public static Inputs For(BatchNormShape shape)
        {
            var random = SeededInputs.NewGenerator();
            var (length, channels) = ((int)shape.Length, shape.Channels);
            return new(SeededInputs.Uniform(random, length, 1, 3), SeededInputs.Uniform(random, channels, 0.5, 1.5),
                SeededInputs.Uniform(random, channels, -1, 1), SeededInputs.Uniform(random, channels, -1, 1),
                SeededInputs.Uniform(random, channels, 0.5, 1.5), SeededInputs.Uniform(random, length, -1, 1));
        }
    }

    /// <summary>The outputs of a training forward: y, the saved mean and inverse deviation, and the updated running statistics.</summary>
    public sealed record TrainingOutputs(float[] Y, float[] SaveMean, float[] SaveInvStd, float[] RunningMean, float[] RunningVar);

    public static TrainingOutputs TrainingOnBackend(ComputeBackend backend, BatchNormShape shape, Inputs inputs)
    {
        using var scope = new BufferScope(backend);
        var (runningMean, runningVar) = (scope.Upload(inputs.RunningMean), scope.Upload(inputs.RunningVar));
        var y = scope.Upload(SeededInputs.Repeat(float.NaN, (int)shape.Length));
        var (saveMean, saveInvStd) = (scope.Upload(SeededInputs.Repeat(float.NaN, shape.Channels)),
            scope.Upload(SeededInputs.Repeat(float.NaN, shape.Channels)));
        backend.BatchNormForwardTraining(scope.Upload(inputs.X), scope.Upload(inputs.Weight), scope.Upload(inputs.Bias), runningMean,
            runningVar, y, saveMean, saveInvStd, shape, Momentum, Eps);
        return new(scope.Download(y), scope.Download(saveMean), scope.Download(saveInvStd), scope.Download(runningMean),
            scope.Download(runningVar));
    }

    /// <summary>dX, dWeight and dBias on the backend, from the saved statistics given.</summary>
    public static (float[] DX, float[] DWeight, float[] DBias) BackwardOnBackend(ComputeBackend backend, BatchNormShape shape,
        Inputs inputs, float[] saveMean, float[] saveInvStd)
    {
        using var scope = new BufferScope(backend);
        var dX = scope.Upload(SeededInputs.Repeat(float.NaN, (int)shape.Length));
        var (dWeight, dBias) = (scope.Upload(SeededInputs.Repeat(float.NaN, shape.Channels)),
            scope.Upload(SeededInputs.Repeat(float.NaN, shape.Channels)));
        backend.BatchNormBackward(scope.Upload(inputs.DY), scope.Upload(inputs.X), scope.Upload(inputs.Weight), scope.Upload(saveMean),
            scope.Upload(saveInvStd), dX, dWeight, dBias, shape);
        return (scope.Download(dX), scope.Download(dWeight), scope.Download(dBias));
    }

    /// <summary>
    /// A channel's statistics sum its M values, each under 3, so <see cref="Tolerances.Sum"/>(M, 3) bounds the mean and
    /// variance; y, about (x - mean) / 0.58 * 1.5, carries that error times a few, and dX the same through dY.
    /// </summary>
    private static Tolerance Statistics(BatchNormShape shape) => Tolerances.Sum((int)shape.ValuesPerChannel, 3 * 3);

    private static ConformanceResult Training(ComputeBackend backend, string name, BatchNormShape shape)
    {
        var inputs = Inputs.For(shape);
        var got = TrainingOnBackend(backend, shape, inputs);
        var channels = shape.Channels;
        var (y, mean, invStd) = (new double[shape.Length], new double[channels], new double[channels]);
        var (runningMean, runningVar) = (Precision.Widen(inputs.RunningMean), Precision.Widen(inputs.RunningVar));
        ReferenceMath.BatchNormForwardTraining(y, mean, invStd, runningMean, runningVar, Precision.Widen(inputs.X),
            Precision.Widen(inputs.Weight), Precision.Widen(inputs.Bias), shape, Momentum, Eps);
        var tolerance = Statistics(shape);
        var comparison = new Comparison();
        comparison.Close("y", got.Y, y, tolerance);
        comparison.Close("saveMean", got.SaveMean, mean, tolerance);
        comparison.Close("saveInvStd", got.SaveInvStd, invStd, tolerance);
        comparison.Close("runningMean", got.RunningMean, runningMean, tolerance);
        comparison.Close("runningVar", got.RunningVar, runningVar, tolerance);
        return comparison.Result(name);
    }

    private static ConformanceResult Evaluation(ComputeBackend backend, string name, BatchNormShape shape)
    {
        var inputs = Inputs.For(shape);
        using var scope = new BufferScope(backend);
        var y = scope.Upload(SeededInputs.Repeat(float.NaN, (int)shape.Length));
        backend.BatchNormForwardEvaluation(scope.Upload(inputs.X), scope.Upload(inputs.Weight), scope.Upload(inputs.Bias),
            scope.Upload(inputs.RunningMean), scope.Upload(inputs.RunningVar), y, shape, Eps);
        var expected = new double[shape.Length];
        ReferenceMath.BatchNormForwardEvaluation(expected, Precision.Widen(inputs.X), Precision.Widen(inputs.Weight),
            Precision.Widen(inputs.Bias), Precision.Widen(inputs.RunningMean), Precision.Widen(inputs.RunningVar), shape, Eps);
        var comparison = new Comparison();
        comparison.Close("y", scope.Download(y), expected, Tolerances.Elementwise);
        return comparison.Result(name);
    }

    /// <summary>The backend and the reference start from the same float statistics (the reference's, rounded).</summary>
    private static ConformanceResult Backward(ComputeBackend backend, string name, BatchNormShape shape)
    {
        var inputs = Inputs.For(shape);
        var (saveMean, saveInvStd) = ReferenceStatistics(shape, inputs);
        var (dX, dWeight, dBias) = BackwardOnBackend(backend, shape, inputs, saveMean, saveInvStd);
        var channels = shape.Channels;
        var (expectedDX, expectedDWeight, expectedDBias) = (new double[shape.Length], new double[channels], new double[channels]);
        ReferenceMath.BatchNormBackward(expectedDX, expectedDWeight, expectedDBias, Precision.Widen(inputs.DY), Precision.Widen(inputs.X),
            Precision.Widen(inputs.Weight), Precision.Widen(saveMean), Precision.Widen(saveInvStd), shape);
        var tolerance = Statistics(shape);
        var comparison = new Comparison();
        comparison.Close("dX", dX, expectedDX, tolerance);
        comparison.Close("dWeight", dWeight, expectedDWeight, tolerance);
        comparison.Close("dBias", dBias, expectedDBias, tolerance);
        return comparison.Result(name);
    }

    public static (float[] Mean, float[] InvStd) ReferenceStatistics(BatchNormShape shape, Inputs inputs)
    {
        var channels = shape.Channels;
        var (mean, invStd) = (new double[channels], new double[channels]);
        ReferenceMath.BatchNormForwardTraining(new double[shape.Length], mean, invStd, new double[channels], new double[channels],
            Precision.Widen(inputs.X), Precision.Widen(inputs.Weight), Precision.Widen(inputs.Bias), shape, Momentum, Eps);
        return (Precision.Narrow(mean), Precision.Narrow(invStd));
    }
}
