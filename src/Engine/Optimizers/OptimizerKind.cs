using System.Reflection;
using Descent.Engine.Layers;
using Descent.Kernels;

namespace Descent.Engine.Optimizers;

/// <summary>
/// The optimizers a run can choose; the command line's choices are these members' names. Each member names
/// its class, which declares the rest (<see cref="IOptimizerDefinition"/>).
/// </summary>
public enum OptimizerKind
{
    [Optimizer<Sgd>]
    Sgd,

    [CliName("adamw")]
    [Optimizer<AdamW>]
    AdamW,

    [Optimizer<Adadelta>]
    Adadelta,
}

/// <summary>What an optimizer class declares about its kind, read before any optimizer is made.</summary>
public interface IOptimizerDefinition
{
    /// <summary>The weight decay used when none is given: PyTorch's default for the optimizer.</summary>
    static abstract float DefaultWeightDecay { get; }

    /// <param name="momentum">SGD's momentum; optimizers without one ignore it.</param>
    /// <param name="nesterov">SGD's Nesterov momentum; optimizers without momentum ignore it (the spec refuses it for them).</param>
    /// <param name="decayScope">Which parameters the weight decay applies to.</param>
    static abstract Optimizer Create(ComputeBackend backend, IReadOnlyList<Parameter> parameters, float momentum, float weightDecay,
        bool nesterov, DecayScope decayScope);
}

/// <summary>An <see cref="OptimizerKind"/> member's class, as a value the factory can ask without knowing the type.</summary>
[AttributeUsage(AttributeTargets.Field)]
public abstract class OptimizerDefinitionAttribute : Attribute
{
    public abstract float DefaultWeightDecay { get; }

    public abstract Optimizer Create(ComputeBackend backend, IReadOnlyList<Parameter> parameters, float momentum, float weightDecay,
        bool nesterov, DecayScope decayScope);
}

/// <summary>Names <typeparamref name="TOptimizer"/> as the class of the <see cref="OptimizerKind"/> member it marks.</summary>
public sealed class OptimizerAttribute<TOptimizer> : OptimizerDefinitionAttribute where TOptimizer : Optimizer, IOptimizerDefinition
{
    public override float DefaultWeightDecay => TOptimizer.DefaultWeightDecay;

    public override Optimizer Create(ComputeBackend backend, IReadOnlyList<Parameter> parameters, float momentum, float weightDecay,
        bool nesterov, DecayScope decayScope) => TOptimizer.Create(backend, parameters, momentum, weightDecay, nesterov, decayScope);
}

/// <summary>Builds the optimizer of a kind with its own defaults where a setting is not given.</summary>
public static class OptimizerFactory
{
    /// <summary>The weight decay a kind uses when none is given, as its class declares it.</summary>
    public static float DefaultWeightDecay(OptimizerKind kind) => Definition(kind).DefaultWeightDecay;

    /// <param name="momentum">SGD's momentum; the others have none and ignore it.</param>
    /// <param name="nesterov">SGD's Nesterov momentum; the others ignore it.</param>
    /// <param name="decayScope">Which parameters the weight decay applies to.</param>
    public static Optimizer Create(OptimizerKind kind, ComputeBackend backend, IReadOnlyList<Parameter> parameters, float momentum,
        float weightDecay, bool nesterov = false, DecayScope decayScope = DecayScope.All) =>
        Definition(kind).Create(backend, parameters, momentum, weightDecay, nesterov, decayScope);

    private static OptimizerDefinitionAttribute Definition(OptimizerKind kind) =>
        typeof(OptimizerKind).GetField(kind.ToString())?.GetCustomAttribute<OptimizerDefinitionAttribute>()
        ?? throw new InvalidInputException($"unknown optimizer {kind}");
}
