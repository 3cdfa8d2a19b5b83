using Descent.Kernels.Reference;

namespace Descent.Kernels.Conformance;

/// <summary>
/// SGD (plain, with momentum, with weight decay, with both, with Nesterov momentum with and without weight decay), AdamW and Adadelta against the reference, over a
/// few steps with fresh gradients each step, starting as the engine does from zeroed state buffers.
/// </summary>
internal static class OptimizerCases
{
    public const int Steps = 3;
    public const int Count = 37 * 53;
    public const float SgdLearningRate = 0.1f;

    private static readonly (float Momentum, float WeightDecay, bool Nesterov)[] SgdVariants =
        [(0f, 0f, false), (0.9f, 0f, false), (0f, 0.01f, false), (0.9f, 0.01f, false), (0.9f, 0f, true), (0.9f, 0.01f, true)];

    /// <summary>Step <paramref name="step"/> (from 1) of AdamW at PyTorch's defaults, its bias corrections computed in double.</summary>
    public static AdamWStep AdamW(int step, float weightDecay)
    {
        const float beta1 = 0.9f;
        const float beta2 = 0.999f;
        return new(LearningRate: 0.01f, Beta1: beta1, Beta2: beta2, Epsilon: 1e-8f, WeightDecay: weightDecay,
            BiasCorrection1: (float)ReferenceMath.AdamBiasCorrection(beta1, step),
            BiasCorrection2: (float)ReferenceMath.AdamBiasCorrection(beta2, step));
    }

    public static IEnumerable<ConformanceCase> Create()
    {
        foreach (var (momentum, weightDecay, nesterov) in SgdVariants)
        {
            var name = FormattableString.Invariant($"sgd {(nesterov ? "nesterov " : "")}momentum {momentum} weight decay {weightDecay}");
            yield return new(name, nameof(ComputeBackend.SgdUpdate), backend => Sgd(backend, name, momentum, weightDecay, nesterov));
        }
        foreach (var weightDecay in new[] { 0f, 0.01f })
        {
            var name = FormattableString.Invariant($"adamw weight decay {weightDecay}");
            yield return new(name, nameof(ComputeBackend.AdamWUpdate), backend => AdamWCase(backend, name, weightDecay));
        }
        foreach (var weightDecay in new[] { 0f, 0.01f })
        {
            var name = FormattableString.Invariant($"adadelta weight decay {weightDecay}");
            yield return new(name, nameof(ComputeBackend.AdadeltaUpdate), backend => AdadeltaCase(backend, name, weightDecay));
        }
    }

    /// <summary>Adadelta at the CNN's recipe: PyTorch's rho and eps, learning rate 1.</summary>
    public static AdadeltaStep Adadelta(float weightDecay) => new(LearningRate: 1f, Rho: 0.9f, Epsilon: 1e-6f, WeightDecay: weightDecay);

    /// <summary>Parameters in [-1, 1] and one gradient array in [-1, 1] per step.</summary>
    public static (float[] Parameters, float[][] Gradients) Inputs()
    {
        var random = SeededInputs.NewGenerator();
        var parameters = SeededInputs.Uniform(random, Count, -1, 1);
        var gradients = new float[Steps][];
        for (var step = 0; step < Steps; step++)
        {
            gradients[step] = SeededInputs.Uniform(random, Count, -1, 1);
        }
        return (parameters, gradients);
    }

    /// <summary>Runs every step on the backend; returns the parameters and the velocity after the last.</summary>
    public static (float[] Parameters, float[] Velocity) SgdOnBackend(ComputeBackend backend, float[] parameters, float[][] gradients,
        float momentum, float weightDecay, bool nesterov)
    {
        using var scope = new BufferScope(backend);
        var parameterBuffer = scope.Upload(parameters);
        var velocity = scope.Allocate<float>(Count);
        var gradientBuffer = scope.Allocate<float>(Count);
        foreach (var stepGradients in gradients)
        {
            backend.Upload<float>(gradientBuffer, stepGradients);
            backend.SgdUpdate(parameterBuffer, gradientBuffer, velocity, Count, SgdLearningRate, momentum, weightDecay, nesterov);
        }
        return (scope.Download(parameterBuffer), scope.Download(velocity));
    }

    /// <summary>Runs every step on the backend; returns the parameters and both moments after the last.</summary>
    public static (float[] Parameters, float[] FirstMoment, float[] SecondMoment) AdamWOnBackend(ComputeBackend backend,
        float[] parameters, float[][] gradients, float weightDecay)
    {
        using var scope = new BufferScope(backend);
        var parameterBuffer = scope.Upload(parameters);
        var firstMoment = scope.Allocate<float>(Count);
        var secondMoment = scope.Allocate<float>(Count);
        var gradientBuffer = scope.Allocate<float>(Count);
        for (var step = 0; step < gradients.Length; step++)
        {
            backend.Upload<float>(gradientBuffer, gradients[step]);
            backend.AdamWUpdate(parameterBuffer, gradientBuffer, firstMoment, secondMoment, Count, AdamW(step + 1, weightDecay));
        }
        return (scope.Download(parameterBuffer), scope.Download(firstMoment), scope.Download(secondMoment));
    }

    /// <summary>Runs every step on the backend; returns the parameters and both running averages after the last.</summary>
    public static (float[] Parameters, float[] SquareAverage, float[] DeltaAverage) AdadeltaOnBackend(ComputeBackend backend,
        float[] parameters, float[][] gradients, float weightDecay)
    {
        using var scope = new BufferScope(backend);
        var parameterBuffer = scope.Upload(parameters);
        var squareAverage = scope.Upload(new float[Count]);
        var deltaAverage = scope.Upload(new float[Count]);
        var gradientBuffer = scope.Allocate<float>(Count);
        foreach (var stepGradients in gradients)
        {
            backend.Upload<float>(gradientBuffer, stepGradients);
            backend.AdadeltaUpdate(parameterBuffer, gradientBuffer, squareAverage, deltaAverage, Count, Adadelta(weightDecay));
        }
        return (scope.Download(parameterBuffer), scope.Download(squareAverage), scope.Download(deltaAverage));
    }

    private static ConformanceResult Sgd(ComputeBackend backend, string name, float momentum, float weightDecay, bool nesterov)
    {
        var (parameters, gradients) = Inputs();
        var got = SgdOnBackend(backend, parameters, gradients, momentum, weightDecay, nesterov);

        var expectedParameters = Precision.Widen(parameters);
        var expectedVelocity = new double[Count];
        foreach (var stepGradients in gradients)
        {
            ReferenceMath.SgdUpdate(expectedParameters, expectedVelocity, Precision.Widen(stepGradients), Count,
                SgdLearningRate, momentum, weightDecay, nesterov);
        }
        var comparison = new Comparison();
        comparison.Close("parameters", got.Parameters, expectedParameters, Tolerances.Elementwise);
        comparison.Close("velocity", got.Velocity, expectedVelocity, Tolerances.Elementwise);
        return comparison.Result(name);
    }

    private static ConformanceResult AdamWCase(ComputeBackend backend, string name, float weightDecay)
    {
        var (parameters, gradients) = Inputs();
        var got = AdamWOnBackend(backend, parameters, gradients, weightDecay);

        var expectedParameters = Precision.Widen(parameters);
        var expectedFirstMoment = new double[Count];
        var expectedSecondMoment = new double[Count];
        for (var step = 0; step < gradients.Length; step++)
        {
            ReferenceMath.AdamWUpdate(expectedParameters, expectedFirstMoment, expectedSecondMoment, Precision.Widen(gradients[step]),
                Count, AdamW(step + 1, weightDecay));
        }
        var comparison = new Comparison();
        comparison.Close("parameters", got.Parameters, expectedParameters, Tolerances.Elementwise);
        comparison.Close("first moment", got.FirstMoment, expectedFirstMoment, Tolerances.Elementwise);
        // The second moment is about (1 - beta2) g^2, near 1e-3 and below: its absolute floor scales down with it.
        comparison.Close("second moment", got.SecondMoment, expectedSecondMoment,
            Tolerances.Elementwise with { Absolute = Tolerances.Elementwise.Absolute * 1e-3 });
        return comparison.Result(name);
    }

    private static ConformanceResult AdadeltaCase(ComputeBackend backend, string name, float weightDecay)
    {
        var (parameters, gradients) = Inputs();
        var got = AdadeltaOnBackend(backend, parameters, gradients, weightDecay);

        var expectedParameters = Precision.Widen(parameters);
        var expectedSquareAverage = new double[Count];
        var expectedDeltaAverage = new double[Count];
        foreach (var stepGradients in gradients)
        {
            ReferenceMath.AdadeltaUpdate(expectedParameters, expectedSquareAverage, expectedDeltaAverage, Precision.Widen(stepGradients),
                Count, Adadelta(weightDecay));
        }
        var comparison = new Comparison();
        comparison.Close("parameters", got.Parameters, expectedParameters, Tolerances.Elementwise);
        // The square average is about (1 - rho) g^2, near 0.1 and below; the delta average about (1 - rho) eps g^2 / (g^2 + eps),
        // near 1e-7: the absolute floors scale down with them.
        comparison.Close("square average", got.SquareAverage, expectedSquareAverage,
            Tolerances.Elementwise with { Absolute = Tolerances.Elementwise.Absolute * 1e-3 });
        comparison.Close("delta average", got.DeltaAverage, expectedDeltaAverage,
            Tolerances.Elementwise with { Absolute = Tolerances.Elementwise.Absolute * 1e-8 });
        return comparison.Result(name);
    }
}
