using Descent.Engine.Layers;
using Descent.Kernels;

namespace Descent.Engine.Optimizers;

/// <summary>The optimizers a run can choose; the command line's choices are these members' names.</summary>
public enum OptimizerKind
{
    Sgd,

    [CliName("adamw")]
    AdamW,

    Adadelta,
}

/// <summary>Builds the optimizer of a kind with its own defaults where a setting is not given.</summary>
public static class OptimizerFactory
{
    /// <summary>The weight decay a kind uses when none is given: PyTorch's defaults (0 for SGD and Adadelta, 0.01 for AdamW).</summary>
    public static float DefaultWeightDecay(OptimizerKind kind) => kind switch
    {
        OptimizerKind.Sgd => 0f,
        OptimizerKind.AdamW => 0.01f,
        OptimizerKind.Adadelta => 0f,
        _ => throw new InvalidInputException($"unknown optimizer {kind}"),
    };

    /// <summary>
    /// The state buffers a kind keeps, each as long as the parameters: SGD's velocity (allocated with or
    /// without momentum), AdamW's two moments, Adadelta's two averages. What a run's memory is planned with, before allocating.
    /// </summary>
    public static int StateBuffers(OptimizerKind kind) => kind switch
    {
        OptimizerKind.Sgd => 1,
        OptimizerKind.AdamW => 2,
        OptimizerKind.Adadelta => 2,
        _ => throw new InvalidInputException($"unknown optimizer {kind}"),
    };

    /// <param name="momentum">SGD's momentum; AdamW and Adadelta have none and ignore it.</param>
    public static Optimizer Create(OptimizerKind kind, ComputeBackend backend, IReadOnlyList<Parameter> parameters, float momentum,
        float weightDecay) => kind switch
    {
        OptimizerKind.Sgd => new Sgd(backend, parameters, momentum, weightDecay),
        OptimizerKind.AdamW => new AdamW(backend, parameters, weightDecay),
        OptimizerKind.Adadelta => new Adadelta(backend, parameters, weightDecay),
        _ => throw new InvalidInputException($"unknown optimizer {kind}"),
    };
}
