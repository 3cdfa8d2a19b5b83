using Descent.Engine.Layers;
using Descent.Kernels;

namespace Descent.Engine.Optimizers;

/// <summary>
/// Adadelta (Zeiler, 2012) as PyTorch's optim.Adadelta: running averages of squared gradients and of squared
/// updates scale each step, with a learning rate on top (1.0 in PyTorch's MNIST example) and coupled weight decay.
/// </summary>
public sealed class Adadelta : Optimizer, IOptimizerDefinition
{
    private readonly DeviceBuffer<float>[] squareAverage;
    private readonly DeviceBuffer<float>[] deltaAverage;

    public Adadelta(ComputeBackend backend, IReadOnlyList<Parameter> parameters, float weightDecay = 0f, float rho = 0.9f, float epsilon = 1e-6f,
        DecayScope decayScope = DecayScope.All)
        : base(backend, parameters, decayScope)
    {
        CheckWeightDecay(weightDecay);
        if (!(rho >= 0f && rho <= 1f) || !(epsilon > 0f) || !float.IsFinite(epsilon))
        {
            throw new InvalidInputException($"Adadelta needs rho in [0, 1] and a positive epsilon; got rho {rho}, epsilon {epsilon}");
        }
        WeightDecay = weightDecay;
        Rho = rho;
        Epsilon = epsilon;
        squareAverage = AllocateState();
        deltaAverage = AllocateState();
    }

    public float WeightDecay { get; }

    public float Rho { get; }

    public float Epsilon { get; }

    public static float DefaultWeightDecay => 0f;

    public static Optimizer Create(ComputeBackend backend, IReadOnlyList<Parameter> parameters, float momentum, float weightDecay,
        bool nesterov, DecayScope decayScope) =>
        new Adadelta(backend, parameters, weightDecay, decayScope: decayScope);

    public override string Name => "adadelta";

    protected override IReadOnlyList<(string Name, DeviceBuffer<float>[] Buffers)> StateBuffers =>
        [("square_avg", squareAverage), ("acc_delta", deltaAverage)];

    public override void Step(float learningRate)
    {
        if (!float.IsFinite(learningRate))
        {
            throw new InvalidInputException($"Adadelta needs a finite learning rate, got {learningRate}");
        }
        CountStep();
        var settings = new AdadeltaStep(learningRate, Rho, Epsilon, WeightDecay);
        var undecayed = settings with { WeightDecay = 0f };
        for (var i = 0; i < Targets.Length; i++)
        {
            var target = Targets[i];
            Backend.AdadeltaUpdate(target.Value, target.Gradient, squareAverage[i], deltaAverage[i], target.Count,
                target.Decayed ? settings : undecayed);
        }
    }

    public override void Dispose()
    {
        Release(squareAverage);
        Release(deltaAverage);
    }
}
