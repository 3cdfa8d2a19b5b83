namespace Descent.Kernels;

/// <summary>
/// What the Adadelta update needs for one step, PyTorch's form: g = grad + weightDecay * param;
/// squareAverage = rho * squareAverage + (1 - rho) * g^2; delta = sqrt(deltaAverage + eps) / sqrt(squareAverage + eps) * g;
/// deltaAverage = rho * deltaAverage + (1 - rho) * delta^2; param -= learningRate * delta.
/// </summary>
public readonly record struct AdadeltaStep(float LearningRate, float Rho, float Epsilon, float WeightDecay);
