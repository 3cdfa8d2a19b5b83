namespace Descent.Kernels;

/// <summary>
/// What the AdamW update kernel needs for one step: the hyper-parameters and the two bias corrections
/// (1 - beta1^t and 1 - beta2^t), which the optimizer computes once per step. Which values are
/// sensible is the optimizer's rule, not the kernel's.
/// </summary>
public readonly record struct AdamWStep(
    float LearningRate,
    float Beta1,
    float Beta2,
    float Epsilon,
    float WeightDecay,
    float BiasCorrection1,
    float BiasCorrection2);
