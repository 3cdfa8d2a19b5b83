using Descent.Engine.Layers;
using Descent.Kernels;

namespace Descent.Engine.Optimizers;

/// <summary>Adam with decoupled weight decay (Loshchilov and Hutter), PyTorch's defaults.</summary>
public sealed class AdamW : Optimizer, IOptimizerDefinition
{
    private readonly DeviceBuffer<float>[] firstMoment;
    private readonly DeviceBuffer<float>[] secondMoment;

    public AdamW(ComputeBackend backend, IReadOnlyList<Parameter> parameters, float weightDecay = 0.01f,
        float beta1 = 0.9f, float beta2 = 0.999f, float epsilon = 1e-8f, DecayScope decayScope = DecayScope.All)
        : base(backend, parameters, decayScope)
    {
        CheckWeightDecay(weightDecay);
        // Betas of 1 would make the bias corrections 0 and every update a division by zero.
        if (!(beta1 >= 0f && beta1 < 1f) || !(beta2 >= 0f && beta2 < 1f) || !(epsilon > 0f))
        {
            throw new InvalidInputException(
                $"AdamW needs betas in [0, 1) and a positive epsilon; got beta1 {beta1}, beta2 {beta2}, epsilon {epsilon}");
        }
        WeightDecay = weightDecay;
        Beta1 = beta1;
        Beta2 = beta2;
        Epsilon = epsilon;
        firstMoment = AllocateState();
        secondMoment = AllocateState();
    }

    public float WeightDecay { get; }

    public float Beta1 { get; }

    public float Beta2 { get; }

    public float Epsilon { get; }

    public static float DefaultWeightDecay => 0.01f;

    public static Optimizer Create(ComputeBackend backend, IReadOnlyList<Parameter> parameters, float momentum, float weightDecay,
        bool nesterov, DecayScope decayScope) =>
        new AdamW(backend, parameters, weightDecay, decayScope: decayScope);

    public override string Name => "adamw";

    protected override IReadOnlyList<(string Name, DeviceBuffer<float>[] Buffers)> StateBuffers =>
        [("exp_avg", firstMoment), ("exp_avg_sq", secondMoment)];

    public override void Step(float learningRate)
    {
        if (!float.IsFinite(learningRate))
        {
            throw new InvalidInputException($"AdamW needs a finite learning rate, got {learningRate}");
        }
        var step = CountStep();
        // The bias corrections depend only on the step number: computed once per step, in double.
        var settings = new AdamWStep(learningRate, Beta1, Beta2, Epsilon, WeightDecay,
            BiasCorrection1: (float)(1.0 - Math.Pow(Beta1, step)), BiasCorrection2: (float)(1.0 - Math.Pow(Beta2, step)));
        var undecayed = settings with { WeightDecay = 0f };
        for (var i = 0; i < Targets.Length; i++)
        {
            var target = Targets[i];
            Backend.AdamWUpdate(target.Value, target.Gradient, firstMoment[i], secondMoment[i], target.Count,
                target.Decayed ? settings : undecayed);
        }
    }

    public override void Dispose()
    {
        Release(firstMoment);
        Release(secondMoment);
    }
}
