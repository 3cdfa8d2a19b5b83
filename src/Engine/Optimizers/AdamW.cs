using Descent.Engine.Layers;
using Descent.Kernels;

namespace Descent.Engine.Optimizers;

/// <summary>Adam with decoupled weight decay (Loshchilov and Hutter), PyTorch's defaults.</summary>
public sealed class AdamW : Optimizer
{
    private readonly DeviceBuffer<float>[] firstMoment;
    private readonly DeviceBuffer<float>[] secondMoment;
    private int step;

    public AdamW(ComputeBackend backend, IReadOnlyList<Parameter> parameters, float weightDecay = 0.01f,
        float beta1 = 0.9f, float beta2 = 0.999f, float epsilon = 1e-8f)
        : base(backend, parameters)
    {
        if (weightDecay < 0f || !float.IsFinite(weightDecay))
        {
            throw new InvalidInputException($"weight decay must be 0 or more, got {weightDecay}");
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

    public override string Name => "adamw";

    public override void Step(float learningRate)
    {
        step++;
        var settings = new AdamWSettings(learningRate, Beta1, Beta2, Epsilon, WeightDecay, step);
        for (var i = 0; i < Parameters.Length; i++)
        {
            var parameter = Parameters[i];
            Backend.AdamWUpdate(parameter.Value, parameter.Gradient, firstMoment[i], secondMoment[i], parameter.Count, settings);
        }
    }

    public override void Dispose()
    {
        Release(firstMoment);
        Release(secondMoment);
    }
}
