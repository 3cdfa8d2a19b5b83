using Descent.Engine.Layers;
using Descent.Kernels;

namespace Descent.Engine.Optimizers;

/// <summary>
/// Stochastic gradient descent with optional momentum, Nesterov's or the classical kind, and (coupled, L2) weight decay,
/// as PyTorch's SGD (dampening 0).
/// </summary>
public sealed class Sgd : Optimizer, IOptimizerDefinition
{
    private readonly DeviceBuffer<float>[] velocity;

    public Sgd(ComputeBackend backend, IReadOnlyList<Parameter> parameters, float momentum = 0f, float weightDecay = 0f,
        bool nesterov = false, DecayScope decayScope = DecayScope.All)
        : base(backend, parameters, decayScope)
    {
        if (momentum < 0f || momentum >= 1f || !float.IsFinite(momentum))
        {
            throw new InvalidInputException($"momentum must be in [0, 1), got {momentum}");
        }
        if (nesterov && momentum == 0f)
        {
            throw new InvalidInputException("Nesterov momentum needs a momentum above 0");
        }
        CheckWeightDecay(weightDecay);
        Momentum = momentum;
        WeightDecay = weightDecay;
        Nesterov = nesterov;
        velocity = AllocateState();
    }

    public float Momentum { get; }

    public float WeightDecay { get; }

    /// <summary>Whether each step looks ahead along the velocity (g + momentum * velocity) rather than following it.</summary>
    public bool Nesterov { get; }

    public static float DefaultWeightDecay => 0f;

    public static Optimizer Create(ComputeBackend backend, IReadOnlyList<Parameter> parameters, float momentum, float weightDecay,
        bool nesterov, DecayScope decayScope) => new Sgd(backend, parameters, momentum, weightDecay, nesterov, decayScope);

    public override string Name => "sgd";

    protected override IReadOnlyList<(string Name, DeviceBuffer<float>[] Buffers)> StateBuffers => [("momentum_buffer", velocity)];

    public override void Step(float learningRate)
    {
        CountStep();
        for (var i = 0; i < Targets.Length; i++)
        {
            var target = Targets[i];
            Backend.SgdUpdate(target.Value, target.Gradient, velocity[i], target.Count, learningRate, Momentum,
                target.Decayed ? WeightDecay : 0f, Nesterov);
        }
    }

    public override void Dispose() => Release(velocity);
}
